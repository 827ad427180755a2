#!/usr/bin/env bash
# Tool test: `vsmmu mkimage` then `vsmmu translate` over the image, the
# answers checked with python3's json module against values worked out by
# hand from the layout in tools/vsmmu/builtin-mkimage.c (docs/translate.md),
# not from running the tool.  Also: error handling and exit codes, --explain,
# and a raw memory file written here word by word.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# --- mkimage ------------------------------------------------------------
"$VSMMU" mkimage "$tmp/img.elf" >"$tmp/mk.out"
# STRTAB_BASE: the level-1 table at 0x100000.
# STRTAB_BASE_CFG: FMT 1 (2-level) << 16 | SPLIT 8 << 6 | LOG2SIZE 16
#   = 0x10000 | 0x200 | 0x10 = 0x10210.  CR2: RECINVSID is bit 1 = 0x2.
grep -qx 'regs: --reg STRTAB_BASE=0x100000 --reg STRTAB_BASE_CFG=0x10210 --reg CR2=0x2' \
	"$tmp/mk.out" || fail "mkimage did not print the expected registers"
REGS=(--reg STRTAB_BASE=0x100000 --reg STRTAB_BASE_CFG=0x10210
	--reg CR2=0x2)
IMG=(--mem "$tmp/img.elf")

# --- queries on stdin, one malformed line in the middle -------------------
cat >"$tmp/q.txt" <<'EOF'
# SID SSID IOVA ACCESS
0x10 - 0x10002345 r
0x10 - 0x10002345 w

0x10 1 0x10002345 w
0x10 0 0x10002345 r
0x10 - 0x40123456 r
0x10 - 0x10004010 r
0x10 - 0x10004010 w
0x10 - 0x10005000 r
0x10 - 0x20000000 r
0x10 - 0x20000000 xp
0x10 1 0x30000000 r
this is not a query
0x10 2 0x1000 r
0x10 4 0x1000 r
0x11 - 0x12345678 w
0x12 - 0x1000 r
0x13 - 0x40000010 w
0x13 - 0x50000008 r
0x13 - 0x50000008 w
0x14 - 0x10000234 r
0x14 - 0x20000000 r
0x15 - 0x1000 r
0x20 - 0x1000 r
0x100 - 0x1000 r
0x10000 - 0x1000 r
0x10 - 0xffffb000 r
EOF
rc=0
"$VSMMU" translate "${IMG[@]}" "${REGS[@]}" <"$tmp/q.txt" \
	>"$tmp/out.json" 2>"$tmp/err.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "a malformed line must give exit 1, got $rc"
grep -q '^vsmmu translate: line 14: ' "$tmp/err.txt" ||
	fail "no 'line 14' message on stderr: $(cat "$tmp/err.txt")"

python3 - "$tmp/out.json" <<'EOF'
import json, sys

out = [json.loads(l) for l in open(sys.argv[1])]

def bits(v, hi, lo):
    return (int(v, 16) >> lo) & ((1 << (hi - lo + 1)) - 1)

def ok(oa, perm=None, page=None, bypass=False, ipa=None):
    def check(r):
        assert r["result"] == "ok", r
        assert r["oa"] == oa, (r["oa"], oa)
        assert r["bypass"] is bypass, r
        if perm:
            assert r["perm"] == perm, (r["perm"], perm)
        if page:
            assert r["page_size"] == page, (r["page_size"], page)
        if ipa:
            assert r.get("ipa") == ipa, (r.get("ipa"), ipa)
    return check

def fault(name, more=None):
    def check(r):
        assert r["result"] == "fault", r
        assert r["event"] == name, (r["event"], name)
        # decoded fields: the schema every verb uses (as decode --json)
        assert len(r["evt"]) == 4 and isinstance(r["fields"], list), r
        assert all(set(f) == {"name", "dword", "bits", "value", "meaning"}
                   for f in r["fields"]), r["fields"]
        assert r["fields"][0]["name"] == "ID", r["fields"]
        # dw0 ID[7:0] names the event
        assert bits(r["evt"][0], 7, 0) == ids[name], r["evt"]
        if more:
            more(r)
    return check

ids = {"C_BAD_STREAMID": 0x02, "C_BAD_STE": 0x04,
       "F_STREAM_DISABLED": 0x06, "C_BAD_SUBSTREAMID": 0x08,
       "C_BAD_CD": 0x0a, "F_TRANSLATION": 0x10, "F_ACCESS": 0x12,
       "F_PERMISSION": 0x13}

def s1_translation(r):
    # dw0: SID 0x10 << 32 | SSID 1 << 12 | SSV 1 << 11 | ID 0x10
    #    = 0x0000001000000000 | 0x1000 | 0x800 | 0x10 = 0x0000001000001810
    assert int(r["evt"][0], 16) == 0x0000001000001810, r["evt"]
    assert bits(r["evt"][1], 35, 35) == 1   # RnW: a read
    assert bits(r["evt"][1], 39, 39) == 0   # S2: stage 1
    assert bits(r["evt"][1], 33, 33) == 0   # PnU: unprivileged
    assert int(r["evt"][2], 16) == 0x30000000  # input address
    assert r["recorded"] is True and r["stall"] is False, r  # CD.R=1, S=0

def s2_in(ipa):
    def check(r):
        assert bits(r["evt"][1], 39, 39) == 1   # S2
        assert bits(r["evt"][1], 41, 40) == 2   # CLASS = IN
        assert int(r["evt"][3], 16) & (((1 << 52) - 1) & ~0xfff) == ipa
        assert r["recorded"] is True, r         # STE.S2R=1
    return check

def bad_ste(r):
    # dw0: SID 0x15 << 32 | ID 4
    assert int(r["evt"][0], 16) == 0x0000001500000004, r["evt"]

def terminated(r):
    assert r["result"] == "terminated", r

def error_line(n):
    def check(r):
        assert r.get("line") == n and "error" in r, r
    return check

expect = [
    ("0x10", None, "0x10002345", "r", ok("0x80002345", "rw-", "0x1000")),
    ("0x10", None, "0x10002345", "w", ok("0x80002345", "rw-", "0x1000")),
    ("0x10", "0x1", "0x10002345", "w", ok("0x88002345", "rw-")),
    ("0x10", "0x0", "0x10002345", "r", fault("F_STREAM_DISABLED")),
    ("0x10", None, "0x40123456", "r", ok("0xc0123456", "rw-", "0x200000")),
    ("0x10", None, "0x10004010", "r", ok("0x90000010", "r--", "0x1000")),
    ("0x10", None, "0x10004010", "w", fault("F_PERMISSION")),
    ("0x10", None, "0x10005000", "r", fault("F_ACCESS")),
    ("0x10", None, "0x20000000", "r", fault("F_PERMISSION")),
    ("0x10", None, "0x20000000", "xp", ok("0xa0000000", "r-x")),
    ("0x10", "0x1", "0x30000000", "r", fault("F_TRANSLATION", s1_translation)),
    None,  # line 14: the malformed one
    ("0x10", "0x2", "0x1000", "r", fault("C_BAD_CD")),
    ("0x10", "0x4", "0x1000", "r", fault("C_BAD_SUBSTREAMID")),
    ("0x11", None, "0x12345678", "w", ok("0x12345678", bypass=True)),
    ("0x12", None, "0x1000", "r", terminated),
    ("0x13", None, "0x40000010", "w", ok("0x100000010", "rw-", "0x200000")),
    ("0x13", None, "0x50000008", "r", ok("0xb0000008", "r--", "0x1000")),
    ("0x13", None, "0x50000008", "w",
     fault("F_PERMISSION", s2_in(0x50000000))),
    ("0x14", None, "0x10000234", "r",
     ok("0x70001234", "rw-", "0x1000", ipa="0x80001234")),
    ("0x14", None, "0x20000000", "r",
     fault("F_TRANSLATION", s2_in(0x90000000))),
    ("0x15", None, "0x1000", "r", fault("C_BAD_STE", bad_ste)),
    ("0x20", None, "0x1000", "r", fault("C_BAD_STREAMID")),
    ("0x100", None, "0x1000", "r", fault("C_BAD_STREAMID")),
    ("0x10000", None, "0x1000", "r", fault("C_BAD_STREAMID")),
    ("0x10", None, "0xffffb000", "r", fault("F_TRANSLATION")),
]
assert len(out) == len(expect), (len(out), len(expect))
for r, e in zip(out, expect):
    try:
        if e is None:
            error_line(14)(r)
            continue
        sid, ssid, iova, acc, check = e
        assert (r["sid"], r["ssid"], r["iova"], r["access"]) == \
            (sid, ssid, iova, acc), r
        check(r)
    except AssertionError as x:
        sys.exit("mismatch for %s: %s" % (e[:4] if e else "line 14", x))
EOF

# --- queries as arguments; exit 0 when all parse --------------------------
"$VSMMU" translate "${IMG[@]}" "${REGS[@]}" '0x11 - 0x1000 r' \
	'0x13 - 0x40000000 rp' >"$tmp/args.json"
python3 - "$tmp/args.json" <<'EOF'
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a["result"] == "ok" and a["oa"] == "0x1000" and a["bypass"], a
assert b["access"] == "rp" and b["oa"] == "0x100000000", b
EOF

# --- without CR2.RECINVSID an invalid StreamID aborts silently -----------
"$VSMMU" translate "${IMG[@]}" --reg STRTAB_BASE=0x100000 \
	--reg STRTAB_BASE_CFG=0x10210 '0x20 - 0x1000 r' >"$tmp/norec.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
assert r["result"] == "terminated", r' "$tmp/norec.json"

# --- CR0 given: SMMUEN=0 bypasses, or aborts with GBPA.ABORT (bit 20) ----
"$VSMMU" translate "${IMG[@]}" "${REGS[@]}" --reg CR0=0 \
	'0x10 - 0x10002345 r' >"$tmp/dis.json"
"$VSMMU" translate "${IMG[@]}" "${REGS[@]}" --reg CR0=0 \
	--reg GBPA=0x100000 '0x10 - 0x10002345 r' >"$tmp/abt.json"
python3 - "$tmp/dis.json" "$tmp/abt.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
a = json.load(open(sys.argv[2]))
assert d["result"] == "ok" and d["bypass"] and d["oa"] == "0x10002345", d
assert a["result"] == "terminated", a
EOF

# --- --explain ---------------------------------------------------------
"$VSMMU" translate --explain "${IMG[@]}" "${REGS[@]}" \
	'0x14 - 0x10000234 r' >"$tmp/explain.txt"
# STE of SID 0x14: L2 table 0x110000 + 0x14 * 64 = 0x110500; the L1
# descriptor for SIDs 0x00-0xff is the first one, at 0x100000; the CD is
# at IPA 0x112000, mapped IPA == PA.
grep -q '^# STE L1 desc @0x100000 = 0x0000000000110006' "$tmp/explain.txt" ||
	fail "--explain: no L1 STE descriptor fetch"
grep -q '^# STE @0x110500$' "$tmp/explain.txt" ||
	fail "--explain: no STE fetch"
grep -q '^# CD @0x112000' "$tmp/explain.txt" ||
	fail "--explain: no CD fetch"
grep -q '^# S1 L3 desc @0x[0-9a-f]* .*-> page 0x80001000' \
	"$tmp/explain.txt" || fail "--explain: no stage-1 leaf"
grep -q '^# S2 L[0-3] desc @' "$tmp/explain.txt" ||
	fail "--explain: no stage-2 descriptor"
grep -Eq '^#  +Config ' "$tmp/explain.txt" ||
	fail "--explain: STE fields not decoded"
python3 - "$tmp/explain.txt" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert all(l.startswith("#") for l in lines[:-1]), "non-comment explain line"
r = json.loads(lines[-1])
assert r["oa"] == "0x70001234" and r["ipa"] == "0x80001234", r
EOF

# --- setup errors: exit 2 ----------------------------------------------
expect_exit() {
	local want=$1
	shift
	local got=0
	"$@" </dev/null >"$tmp/o" 2>"$tmp/e" || got=$?
	[ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
	if [ "$want" -eq 2 ]; then
		[ -s "$tmp/e" ] || fail "no message for: $*"
	fi
}
expect_exit 2 "$VSMMU" translate "${IMG[@]}" --reg NOSUCHREG=1 '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate "${IMG[@]}" --reg CR0=0x100000000 '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate "${IMG[@]}" --reg CR0=zz '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate --mem "$tmp/missing.elf" '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate --mem "$tmp/img.elf@0xzz" '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate "${IMG[@]}" --reg IDR0=0 '0x11 - 0 r'
expect_exit 2 "$VSMMU" translate --mem "$tmp/img.elf@0xfffffffffffff" \
	'0x11 - 0 r'
expect_exit 2 "$VSMMU" translate --bogus-option
expect_exit 0 "$VSMMU" translate --help
grep -q 'usage: vsmmu translate' "$tmp/o" || fail "--help prints no usage"
expect_exit 1 "$VSMMU" translate "${IMG[@]}" "${REGS[@]}" '0x11 - 0 q'
expect_exit 2 "$VSMMU" mkimage
expect_exit 2 "$VSMMU" mkimage "$tmp/x.elf" --sids 0

# --- mkimage --sids: a smaller stream table ------------------------------
# 256 StreamIDs: LOG2SIZE 8, so STRTAB_BASE_CFG = 0x10000 | 0x200 | 0x8 =
# 0x10208; SID 0x100 is then beyond the table.
"$VSMMU" mkimage "$tmp/small.elf" --sids 200 >"$tmp/mk2.out"
grep -q 'STRTAB_BASE_CFG=0x10208 ' "$tmp/mk2.out" ||
	fail "--sids 200 did not give LOG2SIZE 8"
"$VSMMU" translate --mem "$tmp/small.elf" --reg STRTAB_BASE=0x100000 \
	--reg STRTAB_BASE_CFG=0x10208 --reg CR2=2 '0x10 - 0x10002345 r' \
	'0x100 - 0 r' >"$tmp/small.json"
python3 - "$tmp/small.json" <<'EOF'
import json, sys
a, b = [json.loads(l) for l in open(sys.argv[1])]
assert a["result"] == "ok" and a["oa"] == "0x80002345", a
assert b["result"] == "fault" and b["event"] == "C_BAD_STREAMID", b
EOF

# --- a raw memory file at an address -------------------------------------
# A linear stream table of 4 STEs (LOG2SIZE 2) at 0x40000: STE 0 bypass
# (dw0 = V | Config 0b100 << 1 = 0x9, dw1 = SHCFG incoming 1 << 44), the
# others all zero (V=0).
python3 - "$tmp/raw.bin" <<'EOF'
import struct, sys
words = [0] * 32
words[0] = 0x9
words[1] = 1 << 44
open(sys.argv[1], "wb").write(struct.pack("<32Q", *words))
EOF
expect_exit 2 "$VSMMU" translate --mem "$tmp/raw.bin" '0 - 0 r'
grep -Eq 'not an ELF core.*--mem .*raw.bin@ADDR' "$tmp/e" || fail "raw file without @ADDR: $(cat "$tmp/e")"
"$VSMMU" translate --mem "$tmp/raw.bin@0x40000" --reg STRTAB_BASE=0x40000 \
	--reg STRTAB_BASE_CFG=2 --reg CR2=2 \
	'0 - 0xdead000 w' '4 - 0 r' '1 - 0 r' >"$tmp/raw.json"
python3 - "$tmp/raw.json" <<'EOF'
import json, sys
a, b, c = [json.loads(l) for l in open(sys.argv[1])]
assert a["result"] == "ok" and a["bypass"] is True, a
assert a["oa"] == "0xdead000", a
assert b["result"] == "fault" and b["event"] == "C_BAD_STREAMID", b
# dw0: SID 4 << 32 | ID 2
assert int(b["evt"][0], 16) == 0x0000000400000002, b
assert c["result"] == "fault" and c["event"] == "C_BAD_STE", c
EOF

echo "translate: ok"
