#!/usr/bin/env bash
# Tool tests for `vsmmu decode`: field lines, the JSON form and error exits.
# Run by tests/run-all.sh with $VSMMU pointing at the tool.
set -euo pipefail

: "${VSMMU:?set VSMMU to the vsmmu binary}"
err=$(mktemp)
trap 'rm -f "$err"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_line PATTERN COMMAND...: COMMAND succeeds and prints a matching line
expect_line() {
	local pat=$1 out
	shift
	out=$("$VSMMU" "$@") || fail "'$*' exited $?"
	grep -Eq -- "$pat" <<<"$out" || {
		printf '%s\n' "$out" >&2
		fail "'$*' printed no line matching '$pat'"
	}
}

# expect_error MESSAGE-PATTERN COMMAND...: exit 2, message on stderr only
expect_error() {
	local pat=$1 rc=0 out
	shift
	out=$("$VSMMU" "$@" 2>"$err") || rc=$?
	[ "$rc" -eq 2 ] || fail "'$*' exited $rc, expected 2"
	[ -z "$out" ] || fail "'$*' printed on stdout: $out"
	grep -Eq -- "$pat" "$err" || {
		cat "$err" >&2
		fail "'$*': stderr does not match '$pat'"
	}
}

# STE dw0 = V | Config=0b101 | S1Fmt=2 | S1ContextPtr=0x8_1234_5000 |
# S1CDMax=10 (the golden vector of tests/test_arch.c)
ste=0x500000081234502b
expect_line '^STE: 0x500000081234502b 0x0000000000000000' decode ste $ste
expect_line '^  dw0\[3:1\] +Config +0x5  S1 translate, S2 bypass$' \
	decode ste $ste
expect_line 'dw0\[51:6\] +S1ContextPtr +0x812345000$' decode ste $ste
expect_line 'dw0\[63:59\] +S1CDMax +0xa ' decode ste $ste
expect_line 'dw2\[47:46\] +S2TG +0x2  16K$' \
	decode ste 0 0 0x05edb55900001234
# One number syntax in every verb: decimal, or hexadecimal with 0x.
# (decode used to read "10" as 0x10 while translate read it as ten.)
expect_line 'dw0\[3:1\] +Config +0x4  bypass' decode ste 9
expect_line 'dw0\[3:1\] +Config +0x5  S1 translate' decode ste 11
expect_line '^STE: 0x000000000000000a ' decode ste 10
expect_error "hexadecimal needs 0x \\(0x500000081234502b\\)" \
	decode ste 500000081234502b

# Commands: TLBI_NH_VA and an unknown opcode
expect_line 'Opcode +0x12  CMD_TLBI_NH_VA' \
	decode cmd 0xabcd56780141f012 0xffff800012345701
expect_line 'Address +0xffff800012345000$' \
	decode cmd 0xabcd56780141f012 0xffff800012345701
expect_line 'RANGE +0x1f  all StreamIDs \(CMD_CFGI_ALL\)' decode cmd 4 0x1f
expect_line 'Opcode +0x99  unknown opcode' decode cmd 0x99 0x1
expect_line 'dw1\[63:0\] +dw1 +0x1  raw' decode cmd 0x99 0x1

# Event, descriptors, register
expect_line 'ID +0x10  F_TRANSLATION' \
	decode evt 0x00001234abcde810 0x0000128e8000beef 0 0xfffff000
expect_line 'IPA +0xfffff000$' \
	decode evt 0x00001234abcde810 0x0000128e8000beef 0 0xfffff000
expect_line 'AP +0x3  RO any EL' decode pte --level 3 0x0078000040000fc7
expect_line 'APTable +0x2  read-only' decode pte --level 1 0xd800000012345003
expect_line 'OutputAddr +0xf000000030000 ' \
	decode s2pte --level 3 --granule 64k 0x004000000003f7c7
expect_line '^SMMU_CMDQ_CONS \(offset 0x9c, 4 bytes\): 0x02000013' \
	decode reg cmdq_cons 0x02000013
expect_line '^  \[30:24\] +ERR +0x2  CERROR_ABT' decode reg SMMU_CMDQ_CONS 0x02000013
expect_line 'OAS +0x5  48 bits' decode reg IDR5 0x800455

# JSON: parses, and carries the fields
json=$("$VSMMU" decode --json ste $ste 0 0x05edb55900001234)
python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["kind"] == "ste", o["kind"]
assert len(o["words"]) == 8
f = {x["name"]: x for x in o["fields"]}
assert f["Config"] == {"name": "Config", "dword": 0, "bits": "3:1",
                       "value": "0x5",
                       "meaning": "S1 translate, S2 bypass"}, f["Config"]
assert f["S2PS"]["meaning"].startswith("48 bits"), f["S2PS"]
assert f["DCP"]["meaning"] is None
assert f["V"]["bits"] == "0"
' <<<"$json" || fail "bad JSON: $json"
# Registers carry their value in "words" too, and their name and offset
"$VSMMU" decode --json reg EVENTQ_BASE 0x4000000000f00006 | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["kind"] == "reg" and o["name"] == "EVENTQ_BASE", o
assert o["offset"] == "0xa0" and o["words"] == ["0x4000000000f00006"], o
f = {x["name"]: x for x in o["fields"]}
assert f["LOG2SIZE"]["value"] == "0x6" and f["WA"]["value"] == "0x1", f
' || fail "reg JSON"
for args in "cmd 0x46 0" "evt 0xee 1 2 3" "pri 1" "l1std 0x89" "l1cd 1" \
	"cd 0x80000000" "pte 3" "s2pte --level 3 3" "reg GERROR 0x1fd"; do
	# shellcheck disable=SC2086
	"$VSMMU" decode --json $args | python3 -c 'import json,sys; json.load(sys.stdin)' ||
		fail "bad JSON for $args"
done

# --help goes to stdout, exit 0
"$VSMMU" decode --help | grep -q '^usage: vsmmu decode' || fail "--help"

# Errors: exit 2 with a message on stderr
expect_error "WORD 0: 'xyz' is not a number" decode ste xyz
expect_error "'0x' is not a number" decode ste 0x
expect_error "'0x10000000000000000' does not fit in 64 bits" \
	decode ste 0x10000000000000000
expect_error "'-1' is not a number" decode cmd -- -1
expect_error "unknown kind 'foo'" decode foo 1
expect_error "cmd has 2 words, 3 given" decode cmd 1 2 3
expect_error "pte has 1 word, 2 given" decode pte 1 2
expect_error "unknown register 'NOPE'" decode reg NOPE 1
expect_error "does not fit" decode reg CR0 0x100000000
expect_error "usage" decode reg CR0
expect_error "--level" decode pte --level 4 3
expect_error "--granule" decode pte --granule 8k 3
expect_error "apply to pte" decode ste --level 2 1
expect_error "unknown option" decode --bogus ste 1
expect_error "no words" decode ste
echo "decode.sh: ok"
