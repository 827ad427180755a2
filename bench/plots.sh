#!/usr/bin/env bash
# plots.sh BENCH.json OUTDIR: the charts of docs/benchmarks.md as SVG,
# from the JSON document `make bench BENCH_JSON=FILE` writes (bench/
# plots.py picks the data, gnuplot draws).  `make plots` runs it, and
# installs Debian's gnuplot first if it is missing.
set -euo pipefail
json=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null || { echo "plots.sh: gnuplot is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
charts=$(python3 "$here/plots.py" "$json" "$work")
mkdir -p "$out"
for c in $charts; do
	(cd "$work" && gnuplot "$c.gp")
	cp "$work/$c.svg" "$out/$c.svg"
	echo "wrote $out/$c.svg"
done
