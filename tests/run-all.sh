#!/usr/bin/env bash
# Runs the unit/end-to-end test binary and the tool tests (tests/cli/*.sh),
# then prints one combined "N passed, N failed, N skipped" line.
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

for t in "$here"/cli/*.sh; do
	[ -e "$t" ] || continue
	if VSMMU="$tool" bash "$t" >"$out" 2>&1; then
		pass=$((pass + 1)); echo "ok - cli/$(basename "$t")"
	else
		fail=$((fail + 1)); echo "not ok - cli/$(basename "$t")"
		sed 's/^/#   /' "$out"
	fi
done
echo "all: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
