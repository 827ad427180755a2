# Sourced by tests/pkg/*.sh: the install tree `make check` made, and the
# compiler and sanitizer flags of the build under test.
# shellcheck shell=bash
set -euo pipefail
if [ -z "${VSMMU_PREFIX:-}" ] || [ ! -d "$VSMMU_PREFIX" ]; then
	echo "needs the install tree made by make check (VSMMU_PREFIX)"
	exit 77
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
prefix=$VSMMU_PREFIX
cc=${VSMMU_CC:-cc}
# shellcheck disable=SC2206
san_cflags=(${VSMMU_SAN_CFLAGS:-})
# shellcheck disable=SC2206
san_ldflags=(${VSMMU_SAN_LDFLAGS:-})
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# ASan: the tests below load an instrumented libvsmmu.so into programs
# built here; leaks are the unit tests' business.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The flags pkg-config gives for the installed vsmmu.pc (read by hand
# where pkg-config is not installed).
pc_flags() {
	local pc="$prefix/lib/pkgconfig/vsmmu.pc"
	if command -v pkg-config >/dev/null 2>&1; then
		PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config "$@" vsmmu
		return
	fi
	local libdir includedir
	libdir=$(sed -n 's/^libdir=//p' "$pc")
	includedir=$(sed -n 's/^includedir=//p' "$pc")
	case "$*" in
	*--cflags*) echo "-I$includedir" ;;
	*--libs*) echo "-L$libdir -lvsmmu" ;;
	esac
}
