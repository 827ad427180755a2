#!/usr/bin/env bash
# The library's structure, checked from the objects that were built: which
# source file calls a function defined in which other one (nm: undefined
# symbols of one object resolved against the defined ones of another).
#  1. No file-level call cycle inside any layer folder (lib/<layer>/).
#  2. Layers call only the layers below them (the table in docs/design.md):
#     lib/driver reaches the hardware model only through model_ops.c.
# VSMMU_CALLGRAPH=1 prints the edges (docs/driver.md's table comes from it).
# Run by tests/run-all.sh with $VSMMU pointing at the tool.
set -euo pipefail

: "${VSMMU:?set VSMMU to the vsmmu binary}"
build=$(cd "$(dirname "$VSMMU")" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
# Objects of sources that still exist (a build folder may hold old ones)
objs=$(find "$build/lib" -name '*.o' | sort | while read -r o; do
	f=${o#"$build"/}
	[ -e "$root/${f%.o}.c" ] && echo "$o"
done)
[ -n "$objs" ] || { echo "no objects under $build/lib" >&2; exit 1; }

# file<TAB>kind<TAB>symbol, kind T (defined function) or U (undefined)
table=$(for o in $objs; do
	f=${o#"$build"/}
	f=${f%.o}.c
	nm "$o" | awk -v f="$f" '$1 == "U" { print f "\tU\t" $2 }
		$2 ~ /^[TW]$/ { print f "\tT\t" $3 }'
done)

edges=$(awk -F'\t' '$2 == "T" { def[$3] = $1 }
	$2 == "U" { use[NR] = $1 "\t" $3 }
	END {
		for (i in use) {
			split(use[i], a, "\t")
			if ((a[2] in def) && def[a[2]] != a[1])
				print a[1] "\t" def[a[2]]
		}
	}' <<<"$table" | sort -u)

[ "${VSMMU_CALLGRAPH:-0}" = 1 ] && printf '%s\n' "$edges"

# 1. Cycles inside a folder: DFS over the folder-internal edges.
# lib/hw is not checked yet: its smmu.c and queue.c are both the top
# (lifecycle, command execution) and the bottom (shards, tracing, event
# writes) of the model; splitting them is scheduled after the hot-path
# work in lib/hw lands (docs/design.md, "Layers").
exempt=${VSMMU_CYCLE_EXEMPT-lib/hw}
cycle=$(awk -F'\t' -v ex="$exempt" '
	function dirof(p) { sub(/\/[^\/]*$/, "", p); return p }
	function dfs(n,    i, m) {
		state[n] = 1
		stack[++sp] = n
		for (i = 1; i <= cnt[n]; i++) {
			m = adj[n, i]
			if (state[m] == 1) {
				out = m
				for (j = sp; j >= 1 && stack[j] != m; j--)
					out = stack[j] " -> " out
				print m " -> " out
				found = 1
				return
			}
			if (!state[m])
				dfs(m)
			if (found)
				return
		}
		sp--
		state[n] = 2
	}
	dirof($1) == dirof($2) && index(" " ex " ", " " dirof($1) " ") == 0 {
		adj[$1, ++cnt[$1]] = $2; nodes[$1]; nodes[$2]
	}
	END { for (n in nodes) if (!state[n] && !found) dfs(n) }' <<<"$edges")
if [ -n "$cycle" ]; then
	echo "FAIL: file-level call cycle: $cycle" >&2
	exit 1
fi

# 2. Which layer may call which (folder -> folders below it).
allowed() {
	case "$1" in
	lib/util | lib/arch) echo "lib/util" ;;
	lib/mem) echo "lib/util" ;;
	lib/pgtable) echo "lib/util lib/arch lib/mem" ;;
	lib/hw) echo "lib/util lib/arch lib/mem" ;;
	lib/cpu) echo "lib/util lib/arch lib/mem lib/pgtable" ;;
	lib/driver) echo "lib/util lib/arch lib/mem lib/pgtable lib/cpu" ;;
	lib/host) echo "lib/util lib/arch lib/mem lib/pgtable lib/cpu lib/driver lib/hw" ;;
	lib/iommufd) echo "lib/util lib/arch lib/mem lib/pgtable lib/cpu lib/driver lib/hw lib/host" ;;
	lib/vmm) echo "lib/util lib/arch lib/mem lib/pgtable lib/cpu lib/driver lib/iommufd lib/hw lib/host" ;;
	*) echo "" ;;
	esac
}
bad=0
while IFS=$'\t' read -r from to; do
	[ -n "$from" ] || continue
	fd=${from%/*}
	td=${to%/*}
	[ "$fd" = "$td" ] && continue
	# The driver's binding to the model is the one file allowed to
	# call it (the driver itself reaches registers only through ops).
	[ "$from" = lib/driver/model_ops.c ] && [ "$td" = lib/hw ] && continue
	if ! grep -qw -- "$td" <<<"$(allowed "$fd")"; then
		echo "FAIL: $from calls into $to ($fd may not call $td)" >&2
		bad=1
	fi
done <<<"$edges"
[ "$bad" = 0 ]
echo "call graph: $(wc -l <<<"$edges") file edges, no cycle, layers respected"
