#!/bin/sh
# Instructions per call of a benchmark's timed loop, counted by callgrind.
#
#   bench/callgrind.sh BENCH BODY CALLEE [BENCH ARGS...]
#
# runs BENCH under `valgrind --tool=callgrind`, collecting only inside the
# function BODY (the timed loop, e.g. translate_body), and prints the
# instructions executed there divided by the number of calls BODY made to
# CALLEE (e.g. vsmmu_translate), then the functions that cost most per
# call.  Counts do not depend on the machine's load, which is why
# docs/benchmarks.md compares them before and after a change.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BENCH BODY CALLEE [ARGS...]" >&2; exit 2; }
bench=$1 body=$2 callee=$3
shift 3
out=$(mktemp /tmp/callgrind.XXXXXX)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" \
	--toggle-collect="$body" "$bench" "$@" >/dev/null 2>&1
# Calls from BODY to CALLEE: the "calls=" lines under fn=BODY, cfn=CALLEE
# (callgrind compresses names: "(id) name" the first time, "(id)" after).
calls=$(awk -v body="$body" -v callee="$callee" '
	function name(s,   id) {
		if (match(s, /^\([0-9]+\)/)) {
			id = substr(s, RSTART, RLENGTH)
			s = substr(s, RLENGTH + 2)
			if (s != "") names[id] = s
			return names[id]
		}
		return s
	}
	/^fn=/  { infn = (name(substr($0, 4)) == body); next }
	/^cfn=/ { incfn = (name(substr($0, 5)) == callee); next }
	/^calls=/ { if (infn && incfn) { split(substr($0, 7), a, " "); n += a[1] } next }
	END { print n + 0 }' "$out")
total=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
	awk -v body="$body" '$0 ~ ":" body " " { gsub(",", "", $1); print $1; exit }')
[ "$calls" -gt 0 ] || { echo "no calls from $body to $callee" >&2; exit 1; }
echo "$body: $calls calls to $callee, $(( total / calls )) instructions per call"
callgrind_annotate --inclusive=no --auto=no "$out" 2>/dev/null |
	awk -v calls="$calls" '/^[ ]*[0-9,]+ \(/ {
		ir = $1; gsub(",", "", ir)
		fn = $0; sub(/^[^)]*\)[ ]*/, "", fn); sub(/ \[.*$/, "", fn)
		if (ir / calls >= 1 && fn !~ /PROGRAM TOTALS/)
			printf "  %7.1f  %s\n", ir / calls, fn
	}' | head -15
