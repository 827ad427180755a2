#!/usr/bin/env bash
# Tool test: --mem files as they come.  A gzip-compressed dump is read as
# it is (the real QEMU dump of tests/data, answering as its decompressed
# self does); makedumpfile's compressed and flattened formats and other
# compressors are recognised and the exact command to convert is given;
# a file that loads nothing warns and exits 3 (every answer used to be
# F_STE_FETCH, silently); a malformed ELF file is refused naming the
# program header and field (it used to be "Invalid argument").
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
run() {
	rc=0
	"$VSMMU" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}

# --- gzip, read directly: the same answers as the decompressed dump ------
gz="$here/../data/linux-qemu-smmuv3.elf.gz"
gzip -dc "$gz" >"$tmp/dump.elf"
REGS=(--reg CR2=0x6 --reg STRTAB_BASE=0x40000000431c8000
	--reg STRTAB_BASE_CFG=0x10210 --reg CR0=0xd)
Q=('0x8 - 0xffffa000 r' '0x10 - 0xffff4c00 w' '0x8 - 0xfffa0000 r')
"$VSMMU" translate --mem "$tmp/dump.elf" "${REGS[@]}" "${Q[@]}" >"$tmp/plain"
run translate --mem "$gz" "${REGS[@]}" "${Q[@]}"
[ "$rc" -eq 0 ] || fail "gzip dump: exit $rc: $(cat "$tmp/err")"
cmp -s "$tmp/plain" "$tmp/out" || fail "gzip answers differ"
# QEMU translated 0xffffa000 for SID 0x8 to 0x43117000 (realdump.sh)
grep -q '"oa":"0x43117000"' "$tmp/out" || fail "gzip: $(cat "$tmp/out")"
# a gzip-compressed raw image at an address, too
printf '\x09\0\0\0\0\0\0\0' | gzip -c >"$tmp/raw.gz"
run translate --mem "$tmp/raw.gz@0x100000" --reg STRTAB_BASE=0x100000 \
	--reg STRTAB_BASE_CFG=0 '0 - 0x1234 r'
[ "$rc" -eq 0 ] && grep -q '"bypass":true' "$tmp/out" ||
	fail "gzip raw: $rc $(cat "$tmp/out" "$tmp/err")"
# a damaged gzip file says so
head -c 100 "$gz" >"$tmp/cut.gz"
run translate --mem "$tmp/cut.gz" '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q "cut.gz: 'gzip -dc' failed" "$tmp/err" ||
	fail "truncated gzip: $(cat "$tmp/err")"

# --- formats not read: recognised, with the command that converts --------
printf 'KDUMP   \x06\0\0\0' >"$tmp/vmcore.kdump"
run translate --mem "$tmp/vmcore.kdump" '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q 'kdump-compressed dump.*makedumpfile -E -d 31 /proc/vmcore vmcore.elf' \
	"$tmp/err" || fail "kdump: $(cat "$tmp/err")"
printf 'makedumpfile\0\0\0\0' >"$tmp/vmcore.flat"
run translate --mem "$tmp/vmcore.flat" '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q "flattened format" "$tmp/err" ||
	fail "flattened: $(cat "$tmp/err")"
printf '\3757zXZ\0rest' >"$tmp/d.xz"
run translate --mem "$tmp/d.xz" '0 - 0 r'
[ "$rc" -eq 2 ] && grep -Fq "run 'xz -dc $tmp/d.xz > $tmp/d.xz.elf'" \
	"$tmp/err" || fail "xz: $(cat "$tmp/err")"

# --- files that load nothing: a warning, answers, exit status 3 -----------
: >"$tmp/empty.bin"
run translate --mem "$tmp/empty.bin@0x1000" '0 - 0 r'
[ "$rc" -eq 3 ] && grep -q 'warning: .*empty.bin@0x1000 loaded no memory (the file is empty)' \
	"$tmp/err" && grep -q F_STE_FETCH "$tmp/out" ||
	fail "empty raw file: $rc $(cat "$tmp/err")"
python3 - "$tmp/noload.elf" <<'PY'
import struct, sys
# ELF64 LE core, one PT_NOTE and no PT_LOAD
eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
    "<HHIQQQIHHHHHH", 4, 183, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
ph = struct.pack("<IIQQQQQQ", 4, 0, 120, 0, 0, 8, 8, 4)
open(sys.argv[1], "wb").write(eh + ph + bytes(8))
PY
run translate --mem "$tmp/noload.elf" '0 - 0 r'
[ "$rc" -eq 3 ] && grep -q 'no PT_LOAD segment' "$tmp/err" ||
	fail "ELF without PT_LOAD: $rc $(cat "$tmp/err")"

# --- a malformed ELF file: which program header, which field --------------
python3 - "$tmp/bad.elf" <<'PY'
import struct, sys
eh = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
    "<HHIQQQIHHHHHH", 4, 183, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
good = struct.pack("<IIQQQQQQ", 1, 6, 176, 0x1000, 0x1000, 8, 8, 8)
# p_offset 0x100 + p_filesz 0x10000 runs past the 184-byte file
bad = struct.pack("<IIQQQQQQ", 1, 6, 0x100, 0x2000, 0x2000, 0x10000,
                  0x10000, 8)
open(sys.argv[1], "wb").write(eh + good + bad + bytes(8))
PY
run translate --mem "$tmp/bad.elf" '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q 'bad.elf: program header 1 (PT_LOAD, at byte 0x78): p_offset 0x100 + p_filesz 0x10000 ends past the end of the file (0xb8 bytes)' \
	"$tmp/err" || fail "bad ELF: $(cat "$tmp/err")"
echo "memfile: ok"
