#!/usr/bin/env bash
# The VMM example of docs/iommufd.md ("Example: a VMM"), which is
# examples/iommufd_vmm.c shown whole, compiled against the library that was
# built and run: it must print what the document says it prints.  Run by tests/run-all.sh with $VSMMU
# pointing at the tool (the library is next to it).
set -euo pipefail

: "${VSMMU:?set VSMMU to the vsmmu binary}"
build=$(cd "$(dirname "$VSMMU")" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
doc=$root/docs/iommufd.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The program: examples/iommufd_vmm.c, which the document shows whole
# (the ```c block between the example markers must be that file)
awk '/<!-- example:begin -->/ { on = 1; next }
	/<!-- example:end -->/ { on = 0 }
	on && !/^```/ { print }' "$doc" >"$work/doc.c"
cp "$root/examples/iommufd_vmm.c" "$work/example.c"
diff -u "$work/example.c" "$work/doc.c" ||
	{ echo "docs/iommufd.md's example is not examples/iommufd_vmm.c"; exit 1; }
# What it prints: the plain ``` block after "Its output:"
awk '/^Its output:/ { want = 1; next }
	want && /^```/ { if (on) exit; on = 1; next }
	on { print }' "$doc" >"$work/expected"
[ -s "$work/example.c" ] && [ -s "$work/expected" ] ||
	{ echo "no example or no output in $doc"; exit 1; }

# Link as the library was built (sanitizers need their runtime)
lib=$build/libvsmmu.a
syms=$(nm "$lib" 2>/dev/null || true)
flags=
if grep -q '__tsan_' <<<"$syms"; then
	flags=-fsanitize=thread
elif grep -q '__asan_' <<<"$syms"; then
	flags="-fsanitize=address,undefined"
fi
${CC:-cc} -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -I"$root/include" $flags \
	-o "$work/example" "$work/example.c" "$lib" -pthread
"$work/example" >"$work/out"
diff -u "$work/expected" "$work/out"
