#!/usr/bin/env bash
# make install with DESTDIR: everything lands under the staging root at
# PREFIX's paths (here /usr), vsmmu.pc names PREFIX (not the staging
# root), the library links and symlinks are relative; make uninstall
# removes every file it installed.
source "$(dirname "$0")/lib.bash"

stage=${VSMMU_STAGE:?}
unstage=${VSMMU_UNSTAGE:?}
for f in bin/vsmmu lib/libvsmmu.a lib/libvsmmu.so \
	"lib/libvsmmu.so.${VSMMU_VERSION%%.*}" "lib/libvsmmu.so.$VSMMU_VERSION" \
	lib/pkgconfig/vsmmu.pc include/vsmmu/vsmmu.h include/vsmmu/export.h \
	share/man/man1/vsmmu.1 share/man/man1/vsmmu-translate.1; do
	[ -e "$stage/usr/$f" ] || fail "DESTDIR install lacks /usr/$f"
done
[ "$(readlink "$stage/usr/lib/libvsmmu.so")" = "libvsmmu.so.${VSMMU_VERSION%%.*}" ] ||
	fail "libvsmmu.so link: $(readlink "$stage/usr/lib/libvsmmu.so")"
grep -qx 'prefix=/usr' "$stage/usr/lib/pkgconfig/vsmmu.pc" ||
	fail "vsmmu.pc: $(cat "$stage/usr/lib/pkgconfig/vsmmu.pc")"
if grep -r "$stage" "$stage/usr/lib/pkgconfig/vsmmu.pc"; then
	fail "vsmmu.pc names the staging root"
fi
# nothing outside /usr
[ "$(cd "$stage" && ls)" = usr ] || fail "installed outside PREFIX: $(ls "$stage")"
left=$(find "$unstage" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
echo "install: ok"
