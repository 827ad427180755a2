#!/usr/bin/env bash
# Runs the unit/end-to-end test binary, the tool tests (tests/cli/*.sh) and
# the tests of the installed library (tests/pkg/*.sh: they need the
# VSMMU_PREFIX install tree `make check` makes, and skip without it), then
# prints one combined "N passed, N failed, N skipped" line.  A script that
# exits 77 is counted as skipped.
set -u
testbin=$1
tool=$2
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skip=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$testbin" | tee "$out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
if [ -z "$line" ]; then
	echo "# unit test binary died before its summary"
	fail=$((fail + 1))
else
	read -r p _ f _ s _ <<<"$(echo "$line" | tr -d ',')"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
fi

for t in "$here"/cli/*.sh "$here"/pkg/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$(dirname "$t")")/$(basename "$t")
	rc=0
	VSMMU="$tool" bash "$t" >"$out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1)); echo "ok - $name"
	elif [ "$rc" -eq 77 ]; then
		skip=$((skip + 1)); echo "ok - $name # SKIP $(tail -n 1 "$out")"
	else
		fail=$((fail + 1)); echo "not ok - $name"
		sed 's/^/#   /' "$out"
	fi
done
echo "all: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
