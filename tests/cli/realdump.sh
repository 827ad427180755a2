#!/usr/bin/env bash
# Tool test over a real dump: tests/data/linux-qemu-smmuv3.elf.gz holds the
# stream table, context descriptors and stage-1 translation tables that
# Linux 6.1 (Debian 6.1.0-50-arm64) programmed into QEMU 7.2's emulated
# SMMUv3 for a virtio-blk (SID 0x8, 00:01.0) and a virtio-net (SID 0x10,
# 00:02.0) device; docs/real-dumps.md says how it was made.
#
# The expected answers were NOT produced by this tool: they are QEMU's own
# SMMU translations of the same IOVAs (its smmuv3_translate_success trace
# events, from the devices' real DMA before and after the dump), the
# virtqueue addresses QEMU reported (info virtio-queue-status), and the
# driver's TLB invalidations (smmuv3_s1_range_inval) for the pages that
# must fault.  Register values were read from the SMMU's MMIO at dump time.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

gzip -dc "$here/../data/linux-qemu-smmuv3.elf.gz" >"$tmp/dump.elf"
# STRTAB_BASE: RA (bit 62) | 0x431c8000.  STRTAB_BASE_CFG 0x10210: FMT 1
# (2-level), SPLIT 8, LOG2SIZE 16.  CR2 0x6: PTM | RECINVSID.  CR0 0xd:
# SMMUEN | EVENTQEN | CMDQEN.  IDR0..5 and AIDR as QEMU 7.2 reports them
# (IDR0 0x0d40101a: 2-level, AArch64 tables, S1P only, ASID16, COHACC;
# IDR5 0x74: 4K/16K/64K granules, OAS 44 bits).
IDRS=(--reg IDR0=0x0d40101a --reg IDR1=0x02730010 --reg IDR2=0
	--reg IDR3=0x1404 --reg IDR4=0 --reg IDR5=0x74 --reg IIDR=0
	--reg AIDR=1)
REGS=(--reg CR1=0xd75 --reg CR2=0x6 --reg STRTAB_BASE=0x40000000431c8000
	--reg STRTAB_BASE_CFG=0x10210 --reg CR0=0xd)
MEM=(--mem "$tmp/dump.elf")

cat >"$tmp/q.txt" <<'EOF2'
# virtio-blk (SID 0x8): virtqueue rings, mapped for the device's lifetime
0x8 - 0xffffa000 r
0x8 - 0xffffb242 w
0x8 - 0xffffc000 r
0x8 - 0xffffd242 w
# the GICv2m MSI doorbell (frame 0x08020000, MSI_SETSPI_NS at +0x40)
0x8 - 0xfffff040 w
0x8 - 0xfffff040 x
# a data buffer QEMU wrote into, then unmapped (TLBI) by the strict driver
0x8 - 0xfffa0000 r
# privileged fetch from a page writable at EL0: implicitly PXN
0x8 - 0xffffa000 xp
# no SubstreamIDs (S1CDMax 0); a SID without a device; beyond LOG2SIZE;
# beyond the 48-bit input range (T0SZ 16)
0x8 0 0xffffa000 r
0x9 - 0x1000 r
0x10000 - 0x0 r
0x8 - 0x1000000000000 r
# virtio-net (SID 0x10): rings of the rx, tx and control queues
0x10 - 0xffffc010 r
0x10 - 0xffffd204 r
0x10 - 0xffffa000 r
0x10 - 0xffffb002 r
0x10 - 0xffff9402 r
# rx buffers posted before the dump and filled by QEMU after it
0x10 - 0xffff4c00 w
0x10 - 0xffff5000 w
0x10 - 0xffff3200 w
0x10 - 0xffff2800 w
0x10 - 0xffff0e00 w
0x10 - 0xffff1000 w
0x10 - 0xfffef400 w
# an rx buffer already consumed (and unmapped) before the dump
0x10 - 0xffff8000 w
EOF2

"$VSMMU" translate "${MEM[@]}" "${IDRS[@]}" "${REGS[@]}" <"$tmp/q.txt" \
	>"$tmp/out.json" || fail "translate exited $?"
# QEMU advertises fewer features than the defaults (OAS 44, no stage 2):
# nothing here depends on them, so the defaults must answer the same.
"$VSMMU" translate "${MEM[@]}" "${REGS[@]}" <"$tmp/q.txt" \
	>"$tmp/def.json" || fail "translate (default IDRs) exited $?"
cmp -s "$tmp/out.json" "$tmp/def.json" ||
	fail "default IDRs changed an answer: $(diff "$tmp/out.json" "$tmp/def.json")"

python3 - "$tmp/out.json" <<'EOF2'
import json, sys

out = [json.loads(l) for l in open(sys.argv[1])]

def bits(v, hi, lo):
    return (int(v, 16) >> lo) & ((1 << (hi - lo + 1)) - 1)

def ok(oa, perm="rwx"):
    def check(r):
        assert r["result"] == "ok" and not r["bypass"], r
        assert r["oa"] == oa, (r["oa"], oa)
        assert r["perm"] == perm, (r["perm"], perm)
        assert r["page_size"] == "0x1000", r
    return check

def fault(name, dw0=None, pnu=0, ind=0, rnw=1, addr=None):
    def check(r):
        assert r["result"] == "fault" and r["event"] == name, r
        assert r["recorded"] is True and r["stall"] is False, r
        if dw0 is not None:
            assert int(r["evt"][0], 16) == dw0, (r["evt"][0], hex(dw0))
        if addr is not None:
            assert bits(r["evt"][1], 33, 33) == pnu, r["evt"]
            assert bits(r["evt"][1], 34, 34) == ind, r["evt"]
            assert bits(r["evt"][1], 35, 35) == rnw, r["evt"]
            assert bits(r["evt"][1], 39, 39) == 0, r["evt"]  # stage 1
            assert int(r["evt"][2], 16) == addr, r["evt"]
    return check

def terminated(r):
    assert r["result"] == "terminated", r

# Event dw0 = SID << 32 | ID: F_TRANSLATION 0x10, F_PERMISSION 0x13,
# C_BAD_SUBSTREAMID 0x08, C_BAD_STREAMID 0x02.
expect = [
    # QEMU: sid=0x8 iova=0xffffa000 translated=0x43117000; the level-3
    # descriptor 0x43117f47 has AP 0b01 (EL0 read/write), PXN = UXN = 0.
    ok("0x43117000"),
    ok("0x43886242"),   # QEMU: 0xffffb242 -> 0x43886242 (blk q1 used ring)
    ok("0x43262000"),   # QEMU: blk q0 desc ring
    ok("0x43261242"),   # QEMU: blk q0 used ring
    # descriptor 0x0060000008020e4b: AP 0b01, PXN and UXN (bits 53, 54)
    ok("0x8020040", "rw-"),
    fault("F_PERMISSION", 0x0000000800000013, ind=1, addr=0xfffff040),
    fault("F_TRANSLATION", 0x0000000800000010, addr=0xfffa0000),
    fault("F_PERMISSION", 0x0000000800000013, pnu=1, ind=1, addr=0xffffa000),
    fault("C_BAD_SUBSTREAMID", 0x0000000800000008),
    terminated,         # Linux leaves unused STEs valid with Config abort
    fault("C_BAD_STREAMID", 0x0001000000000002),
    fault("F_TRANSLATION", 0x0000000800000010, addr=0x1000000000000),
    ok("0x4310e010"),   # QEMU: net rx desc ring
    ok("0x4310f204"),   # QEMU: net rx used ring
    ok("0x43110000"),   # QEMU: net tx desc ring
    ok("0x48170002"),   # QEMU: net tx avail ring
    ok("0x480df402"),   # QEMU: net ctrl avail ring
    ok("0x43940c00"),   # QEMU, after the dump: rx buffer 2
    ok("0x43941000"),   # rx buffer 2 crosses into the next IOVA page
    ok("0x43941200"),   # rx buffer 3
    ok("0x43941800"),   # rx buffer 4
    ok("0x43941e00"),   # rx buffer 5
    ok("0x43942000"),   # rx buffer 5, next page
    ok("0x43942400"),   # rx buffer 6
    fault("F_TRANSLATION", 0x0000001000000010, rnw=0, addr=0xffff8000),
]
assert len(out) == len(expect), (len(out), len(expect))
for i, (r, check) in enumerate(zip(out, expect)):
    try:
        check(r)
    except AssertionError as x:
        sys.exit("answer %d (%s %s): %s" % (i + 1, r.get("sid"),
                                              r.get("iova"), x))
EOF2

# --- --explain: the structures where QEMU's SMMU found them ---------------
# QEMU trace: l1ptr 0x431c8000, l2ptr 0x7ac60000, STE addr 0x7ac60200
# (SID 8 * 64 bytes = 0x200) and 0x7ac60400 (0x10 * 64), CD addr
# 0x432bb000 and 0x4311d000, TTB0 0x4388e000 and 0x43260000, tsz 16.
"$VSMMU" translate --explain "${MEM[@]}" "${IDRS[@]}" "${REGS[@]}" \
	'0x8 - 0xffffa000 r' '0x10 - 0xffffc010 r' >"$tmp/explain.txt"
for want in \
	'# STE L1 desc @0x431c8000 = 0x000000007ac60009' \
	'#     SPAN   dw0[4:0]   9  (256 STEs)' \
	'# STE @0x7ac60200' \
	'#     Config        dw0[3:1]    5  (S1 translate, S2 bypass)' \
	'#     S1DSS         dw1[1:0]    2  (use substream 0)' \
	'# CD @0x432bb000' \
	'#     T0SZ    dw0[5:0]    0x10  (48-bit input range)' \
	'#     IPS     dw0[34:32]  4  (44 bits (16TB))' \
	'#     TTB0    dw1[51:4]   0x4388e000' \
	'# S1 L3 desc @0x480c9fd0 = 0x0000000043117f47 -> page 0x43117000  [in 0xffffa000]' \
	'# STE @0x7ac60400' \
	'# CD @0x4311d000' \
	'#     TTB0    dw1[51:4]   0x43260000'; do
	grep -qxF -- "$want" "$tmp/explain.txt" ||
		fail "--explain lacks: $want"
done
