#!/usr/bin/env bash
# The installed library's symbols: every function and object declared in
# an installed public header (read from the headers by headers.py, so new
# headers and prototypes are covered as they come) links against the
# shared and the static library, and neither exports anything else; every
# exported name starts with vsmmu_.  A prototype without VSMMU_API fails
# here: the library is built with -fvisibility=hidden.
source "$(dirname "$0")/lib.bash"

inc="$prefix/include"
so="$prefix/lib/libvsmmu.so"
ar="$prefix/lib/libvsmmu.a"
[ -e "$so" ] || fail "no $so"
[ -e "$ar" ] || fail "no $ar"

python3 "$here/headers.py" "$cc" "$inc" decls "$inc"/vsmmu/*.h \
	>"$tmp/decls"
[ -s "$tmp/decls" ] || fail "no declarations found in $inc/vsmmu"
awk '{print $2}' "$tmp/decls" | sort -u >"$tmp/declared"
echo "$(wc -l <"$tmp/declared") functions and objects declared"

# Exported: defined, global, in the dynamic symbol table.  Symbols the
# toolchain itself adds are not ours: those of every shared object, and
# AddressSanitizer's one-definition-rule indicator beside each exported
# object (__odr_asan.NAME, under SAN=1).
toolchain='^(_init|_fini|_edata|_end|__bss_start|__odr_asan[._].*)$'
nm -D --defined-only "$so" | awk '{print $3}' | grep -Ev "$toolchain" |
	sed 's/@.*//' | sort -u >"$tmp/exported"
nm -g --defined-only "$ar" 2>/dev/null | awk 'NF == 3 {print $3}' |
	grep -Ev "$toolchain" | sort -u >"$tmp/global"

bad=0
if grep -v '^vsmmu_' "$tmp/exported" >"$tmp/bad"; then
	echo "libvsmmu.so exports names without the vsmmu_ prefix:"
	head -n 20 "$tmp/bad"
	bad=1
fi
if grep -v '^vsmmu_' "$tmp/global" >"$tmp/bad"; then
	echo "libvsmmu.a has global names without the vsmmu_ prefix:"
	head -n 20 "$tmp/bad"
	bad=1
fi
if comm -23 "$tmp/declared" "$tmp/exported" | grep . >"$tmp/bad"; then
	echo "declared in a public header but not exported (no VSMMU_API?):"
	grep -Fwf "$tmp/bad" "$tmp/decls" | head -n 40
	bad=1
fi
if comm -13 "$tmp/declared" "$tmp/exported" | grep . >"$tmp/bad"; then
	echo "exported but declared in no public header:"
	head -n 20 "$tmp/bad"
	bad=1
fi
[ "$bad" -eq 0 ] || fail "symbol checks"

# Link every declaration: take each one's address, so the linker must
# resolve it in the library, and print how many there were.
{
	echo '#include <stdio.h>'
	for h in "$inc"/vsmmu/*.h; do
		echo "#include <vsmmu/$(basename "$h")>"
	done
	echo 'static const void *const syms[] = {'
	awk '{ printf "\t(const void *)&%s,\n", $2 }' "$tmp/decls"
	echo '};'
	echo 'int main(void)'
	echo '{'
	echo '	size_t i, n = 0;'
	echo '	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)'
	echo '		n += syms[i] != NULL;'
	echo '	printf("%zu linked\n", n);'
	echo '	return n == sizeof(syms) / sizeof(syms[0]) ? 0 : 1;'
	echo '}'
} >"$tmp/links.c"
n=$(wc -l <"$tmp/decls")
for kind in shared static; do
	if [ "$kind" = shared ]; then
		lib=(-L"$prefix/lib" -lvsmmu)
	else
		lib=("$ar")
	fi
	"$cc" -std=c11 -Wall -Wextra -Werror -Wno-pedantic "${san_cflags[@]}" \
		-I"$inc" -o "$tmp/links-$kind" "$tmp/links.c" "${lib[@]}" \
		-pthread "${san_ldflags[@]}" ||
		fail "a declaration does not link against the $kind library"
	out=$("$tmp/links-$kind") || fail "links-$kind: $out"
	[ "$out" = "$n linked" ] || fail "links-$kind: '$out', want '$n linked'"
done
# the runtime library found is the installed one
ldd "$tmp/links-shared" >"$tmp/ldd" 2>&1 || true
grep -q "$prefix/lib/libvsmmu.so" "$tmp/ldd" ||
	fail "links-shared did not load $prefix/lib/libvsmmu.so: $(cat "$tmp/ldd")"
echo "abi: ok ($n declarations)"
