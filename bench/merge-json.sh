#!/usr/bin/env bash
# merge-json.sh FILE...: one JSON document holding the benchmarks' own
# documents (each {"bench": ..., "results": [...]}), with when and where
# they ran:
#   {"date": "...", "host": {"cpus": N, "cpu": "..."}, "benchmarks": [...]}
set -euo pipefail
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null |
	head -n 1 | sed 's/[\\"]//g')
printf '{"date": "%s", "host": {"cpus": %s, "cpu": "%s"}, "benchmarks": [\n' \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc 2>/dev/null || echo 0)" "$cpu"
sep=
for f in "$@"; do
	[ -s "$f" ] || { echo "merge-json.sh: $f is missing or empty" >&2; exit 1; }
	printf '%s' "$sep"
	cat "$f"
	sep=,
done
printf ']}\n'
