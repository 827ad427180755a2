#!/usr/bin/env bash
# Runs every fuzz target briefly: fuzz-smoke.sh SECONDS BIN...
# A target's seed corpus (fuzz/corpus/<target>/) is copied to a scratch
# directory first, so the run never writes into the repository.  Works
# with libFuzzer builds (clang) and the standalone driver (gcc) alike;
# any crash, leak or sanitizer report fails the run and leaves the
# reproducer in the scratch directory, whose path is printed.
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d /tmp/vsmmu-fuzz.XXXXXX)
fail=0
for bin in "$@"; do
	name=$(basename "$bin")
	work="$scratch/$name"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$here/fuzz/corpus/$name" ]; then
		cp -r "$here/fuzz/corpus/$name/." "$work/corpus/"
	fi
	echo "== $name (${secs}s)"
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/log" 2>&1; then
		tail -n 2 "$work/log"
		echo "ok - fuzz $name"
	else
		tail -n 30 "$work/log"
		echo "not ok - fuzz $name (artifacts in $work/artifacts)"
		fail=1
	fi
done
[ "$fail" -eq 0 ] && rm -rf "$scratch"
exit "$fail"
