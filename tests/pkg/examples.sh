#!/usr/bin/env bash
# The installed tree as an embedder meets it: only public headers are
# installed; vsmmu.pc gives flags that compile and link the examples/
# programs against the shared library, which then run (and against the
# static one); a C++ translation unit including every installed header
# compiles and links (g++); the man pages render without warnings.
source "$(dirname "$0")/lib.bash"

inc="$prefix/include/vsmmu"
# Only the public headers: exactly include/vsmmu/*.h of the source tree
(cd "$root/include/vsmmu" && ls *.h) >"$tmp/want-h"
(cd "$inc" && ls) >"$tmp/have-h"
diff -u "$tmp/want-h" "$tmp/have-h" || fail "installed headers differ"
[ "$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pc_flags --modversion \
	2>/dev/null || sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/vsmmu.pc")" = \
	"${VSMMU_VERSION:-}" ] || fail "vsmmu.pc Version is not ${VSMMU_VERSION:-}"
# the soname carries the major version, and the links point at it
so=$(readlink "$prefix/lib/libvsmmu.so")
soname=$(readelf -d "$prefix/lib/$so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$so" = "$soname" ] || fail "libvsmmu.so -> $so, soname $soname"
[ "$soname" = "libvsmmu.so.${VSMMU_VERSION%%.*}" ] || fail "soname $soname"

# shellcheck disable=SC2207
cflags=($(pc_flags --cflags))
# shellcheck disable=SC2207
libs=($(pc_flags --libs))
for src in "$root"/examples/*.c; do
	name=$(basename "$src" .c)
	"$cc" -std=c11 -Wall -Wextra -Werror "${san_cflags[@]}" \
		"${cflags[@]}" -o "$tmp/$name" "$src" "${libs[@]}" -pthread \
		"${san_ldflags[@]}" || fail "$name does not build"
	"$cc" -std=c11 -Wall -Wextra -Werror "${san_cflags[@]}" \
		"${cflags[@]}" -o "$tmp/$name-static" "$src" \
		"$prefix/lib/libvsmmu.a" -pthread "${san_ldflags[@]}" ||
		fail "$name does not build against libvsmmu.a"
done

# translate_image over the image the installed tool writes; the answers
# are those docs/translate.md works out for the mkimage layout.
"$prefix/bin/vsmmu" mkimage "$tmp/ex.elf" >/dev/null
for bin in translate_image translate_image-static; do
	out=$("$tmp/$bin" "$tmp/ex.elf" 0x100000 0x10210 0x10 0x10002345)
	[ "$out" = "SID 0x10 IOVA 0x10002345 -> PA 0x80002345" ] ||
		fail "$bin: $out"
	out=$("$tmp/$bin" "$tmp/ex.elf" 0x100000 0x10210 0x10 0x30000000)
	[ "$out" = "SID 0x10 IOVA 0x30000000 -> fault F_TRANSLATION" ] ||
		fail "$bin: $out"
done
for bin in dma dma-static; do
	"$tmp/$bin" >"$tmp/dma.out" || { cat "$tmp/dma.out"; fail "$bin"; }
	grep -q '^DMA write IOVA 0x40000018 -> PA 0x80000018, buffer holds 0x1234$' \
		"$tmp/dma.out" || fail "$bin: $(cat "$tmp/dma.out")"
	grep -q '^event: F_TRANSLATION SID 0x10 address 0x40000018$' \
		"$tmp/dma.out" || fail "$bin: no event: $(cat "$tmp/dma.out")"
done

# The VMM of docs/iommufd.md: what the document says it prints
awk '/^Its output:/ { want = 1; next }
	want && /^```/ { if (on) exit; on = 1; next }
	on { print }' "$root/docs/iommufd.md" >"$tmp/vmm.expected"
for bin in iommufd_vmm iommufd_vmm-static; do
	"$tmp/$bin" >"$tmp/vmm.out" || { cat "$tmp/vmm.out"; fail "$bin"; }
	diff -u "$tmp/vmm.expected" "$tmp/vmm.out" || fail "$bin: output"
done

# C++: every installed header in one translation unit, generated here so a
# new header is covered; it must compile cleanly and link.
cxx=${VSMMU_CXX:-g++}
if ! command -v "$cxx" >/dev/null 2>&1; then
	echo "no C++ compiler ($cxx); install g++"
	exit 77
fi
{
	for h in "$inc"/*.h; do
		echo "#include <vsmmu/$(basename "$h")>"
	done
	echo '#include <cstdio>'
	echo 'int main() { std::printf("%s\n", vsmmu_version_string());'
	echo '	return vsmmu_version() == VSMMU_VERSION_HEX ? 0 : 1; }'
} >"$tmp/all.cc"
for std in c++11 c++17; do
	"$cxx" -std="$std" -Wall -Wextra -pedantic -Werror "${san_cflags[@]}" \
		"${cflags[@]}" -o "$tmp/all-$std" "$tmp/all.cc" "${libs[@]}" \
		"${san_ldflags[@]}" || fail "the public headers are not C++ ($std)"
	[ "$("$tmp/all-$std")" = "${VSMMU_VERSION:-}" ] || fail "C++ program"
done

# The man pages: one per verb, rendering without a warning (where groff
# is installed: Debian's man-db brings it)
for p in vsmmu vsmmu-decode vsmmu-translate vsmmu-mkimage vsmmu-demo; do
	f="$prefix/share/man/man1/$p.1"
	[ -s "$f" ] || fail "no man page $p.1"
	grep -q '^\.SH SYNOPSIS' "$f" || fail "$p.1 has no SYNOPSIS"
	command -v groff >/dev/null 2>&1 || continue
	warn=$(LC_ALL=C groff -man -Tutf8 -ww -z "$f" 2>&1) || fail "$p.1"
	[ -z "$warn" ] || fail "$p.1: $warn"
done
echo "examples: ok"
