#!/usr/bin/env bash
# make demo: first `vsmmu demo` -- the host driver brings up the SMMU
# model, devices DMA through translation while buffers are unmapped and
# remapped, a misbehaving device faults and its events are decoded, and a
# summary ends it (docs/demo.md).  Then `vsmmu vm`: VMs with virtual
# SMMUs and a hostile guest (docs/vm.md).  Then the translation tool: write an
# example memory image (an ELF core holding a stream table, STEs, CDs and
# page tables for bypass, abort, stage-1, stage-2 and nested streams) and
# translate transactions over it.
set -euo pipefail
tool=$1
out=$2
echo "== vsmmu demo: driver, devices, DMA, faults, the invalidation checker"
"$tool" demo
echo
echo "== vsmmu vm: three VMs with virtual SMMUs on one host SMMU with CMDQV,"
echo "   the guests' VCMDQs passed through; the third VM is hostile"
"$tool" vm --vms 3 --devices 2 --duration 0.5 --hostile 1
echo
img="$out/example.elf"
"$tool" mkimage "$img" >/dev/null
regs=(--mem "$img" --reg STRTAB_BASE=0x100000 --reg STRTAB_BASE_CFG=0x10210
      --reg CR2=0x2)
echo "== vsmmu mkimage $img: one answer per transaction (JSON lines)"
"$tool" translate "${regs[@]}" \
	'0x10 - 0x10002345 r' '0x10 1 0x10002345 w' '0x10 - 0x40123456 r' \
	'0x10 - 0x10004010 w' '0x10 2 0x1000 r' '0x11 - 0x12345678 w' \
	'0x12 - 0x1000 r' '0x13 - 0x40000010 w' '0x14 - 0x20000000 r' \
	'0x15 - 0x1000 r'
echo
echo "== the nested stream 0x14, explained step by step"
"$tool" translate --explain "${regs[@]}" '0x14 - 0x10000234 r' |
	grep -v '^#     ' # the full STE/CD field lists are elided here
