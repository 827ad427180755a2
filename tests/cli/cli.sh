#!/usr/bin/env bash
# Tool test: the verbs agree.  One number syntax; the spec's register
# names with Linux's as aliases; --reg NAME.FIELD=VALUE; --smmu and
# --cmdqv named properties with visible effects; --json accepted by every
# verb, with one schema for decoded fields; 'vsmmu VERB: ' before every
# error; '-' is standard output; trailing '# comments'.  Each check
# below failed before the CLI was unified.  Expected answers are worked
# out from the mkimage layout (docs/translate.md), not from the tool.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"
case $VSMMU in /*) ;; *) VSMMU=$PWD/$VSMMU ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# run ARGS...: stdout in $tmp/out, stderr in $tmp/err, status in $rc
run() {
	rc=0
	"$VSMMU" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
}
json_get() { # json_get PYEXPR: evaluate with o = the JSON on stdin
	python3 -c "import json,sys; o=json.load(sys.stdin); print($1)"
}

"$VSMMU" mkimage "$tmp/img.elf" >/dev/null
IMG=(--mem "$tmp/img.elf" --reg STRTAB_BASE=0x100000
	--reg STRTAB_BASE_CFG=0x10210 --reg CR2=2)
answer() { # answer QUERY [ARGS...]: the JSON answer's "result"/"event"
	local q=$1
	shift
	"$VSMMU" translate "${IMG[@]}" "$@" "$q" |
		json_get 'o.get("event", o["result"])'
}

# --- numbers: 16 and 0x10 alike in every verb; 10 is ten -----------------
[ "$(answer '16 - 0x10002345 r')" = ok ] || fail "translate SID 16"
run decode --json ste 16
[ "$(json_get 'o["words"][0]' <"$tmp/out")" = 0x0000000000000010 ] ||
	fail "decode ste 16 is not 0x10"
run decode ste ff
[ "$rc" -eq 2 ] && grep -q "hexadecimal needs 0x" "$tmp/err" ||
	fail "decode ste ff: $(cat "$tmp/err")"
run translate "${IMG[@]}" 'ff - 0 r'
[ "$rc" -eq 1 ] && grep -q "SID 'ff' is not a number: hexadecimal needs 0x" \
	"$tmp/err" || fail "translate SID ff: $(cat "$tmp/err")"
run demo --devices 010 --ms 1 --quiet --json
[ "$rc" -eq 0 ] && [ "$(json_get 'o["devices"]' <"$tmp/out")" = 10 ] ||
	fail "demo --devices 010 is ten, not octal 8"

# --- register names: the spec's, and Linux's ---------------------------
for name in EVENTQ_BASE SMMU_EVENTQ_BASE EVTQ_BASE ARM_SMMU_EVTQ_BASE; do
	run translate "${IMG[@]}" --reg "$name=0x4000000000f00006" \
		'0x10 - 0x10002345 r'
	[ "$rc" -eq 0 ] || fail "--reg $name: $(cat "$tmp/err")"
done
run decode reg EVTQ_BASE 0
grep -q '^SMMU_EVENTQ_BASE ' "$tmp/out" || fail "decode names EVENTQ_BASE"

# --- field writes: IDR0.S1P=0 makes the stage-1 STE illegal --------------
[ "$(answer '0x10 - 0x10002345 r' --reg IDR0.S1P=0)" = C_BAD_STE ] ||
	fail "--reg IDR0.S1P=0"
[ "$(answer '0x10 - 0x10002345 r' --reg CR0.SMMUEN=0)" = ok ] ||
	fail "--reg CR0.SMMUEN=0 (bypass)"
"$VSMMU" translate "${IMG[@]}" --reg CR0.SMMUEN=0 '0x10 - 0x10002345 r' |
	json_get 'o["bypass"]' | grep -qx True || fail "SMMUEN=0 is bypass"
# an address field takes the address; a value wider than a field is refused
[ "$(answer '0x10 - 0x10002345 r' --reg STRTAB_BASE.ADDR=0x100000)" = ok ] ||
	fail "--reg STRTAB_BASE.ADDR"
run translate "${IMG[@]}" --reg IDR3.RIL=2 '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q '^vsmmu translate: --reg IDR3.RIL=2: IDR3.RIL=2: the field is 1 bit wide \[10:10\]' \
	"$tmp/err" || fail "IDR3.RIL=2: $(cat "$tmp/err")"
run translate "${IMG[@]}" --reg IDR3.NOPE=1 '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q "IDR3 has no field 'NOPE' (it has BBML, RIL" \
	"$tmp/err" || fail "IDR3.NOPE: $(cat "$tmp/err")"

# --- --smmu / --cmdqv: named properties with visible effects -------------
[ "$(answer '0x10 - 0x10002345 r' --smmu stages=s2)" = C_BAD_STE ] ||
	fail "--smmu stages=s2"
[ "$(answer '0x10 - 0x10002345 r' --smmu stages=s1s2,ril=off,ats=on)" = ok ] ||
	fail "--smmu stages=s1s2"
# OAS 32: SID 0x13's stage 2 has a 40-bit IPA (S2T0SZ 24), more than a
# 32-bit OAS allows: the STE is illegal.  Stage 1 (IPS 48, treated as the
# OAS) still reaches its block at 0xc0123456, below 4 GiB.
[ "$(answer '0x13 - 0x40000010 w' --smmu oas=32)" = C_BAD_STE ] ||
	fail "--smmu oas=32"
[ "$(answer '0x10 - 0x40123456 r' --smmu oas=32)" = ok ] ||
	fail "--smmu oas=32, stage 1"
[ "$(answer '0x13 - 0x40000010 w' --smmu oas=48)" = ok ] ||
	fail "--smmu oas=48"
# SSIDSIZE 0: no substream can be valid
[ "$(answer '0x10 1 0x10002345 w' --smmu ssidsize=0)" = C_BAD_SUBSTREAMID ] ||
	fail "--smmu ssidsize=0"
run translate "${IMG[@]}" --smmu oas=47 '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q 'oas=47: expected 32, 36, 40, 42, 44, 48 or 52' \
	"$tmp/err" || fail "oas=47: $(cat "$tmp/err")"
run translate "${IMG[@]}" --smmu bogus=1 '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q "unknown SMMU property 'bogus' (stages, ril" \
	"$tmp/err" || fail "bogus: $(cat "$tmp/err")"
[ "$(answer '0x10 - 0x10002345 r' --cmdqv vintfs=4,vcmdqs=8)" = ok ] ||
	fail "translate --cmdqv"
run translate "${IMG[@]}" --cmdqv vcmdqs=6 '0 - 0 r'
[ "$rc" -eq 2 ] && grep -q 'vcmdqs=6: expected a power of two from 1 to 128' \
	"$tmp/err" || fail "vcmdqs=6: $(cat "$tmp/err")"
run demo --ms 50 --json --smmu ril=off --cmdqv vintfs=2,vcmdqs=4
[ "$rc" -eq 0 ] || fail "demo --smmu --cmdqv: $(cat "$tmp/err")"
grep -q 'RIL no' "$tmp/err" && grep -q 'cmdqv: 2 VINTFs, 4 VCMDQs' "$tmp/err" ||
	fail "demo knobs not applied: $(cat "$tmp/err")"

# --- --json on every verb; one schema for decoded fields ------------------
"$VSMMU" translate "${IMG[@]}" --json '0x10 - 0x30000000 r' >"$tmp/t.json"
"$VSMMU" decode --json evt $(json_get '" ".join(o["evt"])' <"$tmp/t.json") \
	>"$tmp/d.json"
python3 - "$tmp/t.json" "$tmp/d.json" <<'PY' || fail "field schemas differ"
import json, sys
t = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
assert isinstance(t["fields"], list) and t["fields"], t
assert t["fields"] == d["fields"], (t["fields"], d["fields"])
PY
run mkimage --json "$tmp/j.elf"
[ "$(json_get 'o["regs"]["STRTAB_BASE_CFG"]' <"$tmp/out")" = 0x10210 ] ||
	fail "mkimage --json"
run demo --json --ms 1
json_get 'o["ok"]' <"$tmp/out" | grep -qx True || fail "demo --json"
run decode --json reg CR0 1
[ "$(json_get 'o["words"]' <"$tmp/out")" = "['0x0000000000000001']" ] ||
	fail "decode reg JSON has words"

# --- one error prefix -----------------------------------------------------
for verb in decode translate mkimage demo; do
	run "$verb" --no-such-option
	[ "$rc" -eq 2 ] || fail "$verb --no-such-option exited $rc"
	head -n 1 "$tmp/err" | grep -q "^vsmmu $verb: " ||
		fail "$verb error prefix: $(head -n 1 "$tmp/err")"
done
run translate --mem
head -n 1 "$tmp/err" | grep -q "^vsmmu translate: --mem needs a value" ||
	fail "missing value: $(cat "$tmp/err")"

# --- '-' is standard output -------------------------------------------------
(cd "$tmp" && "$VSMMU" mkimage - >"$tmp/stdout.elf" 2>"$tmp/mk.err")
[ ! -e "$tmp/-" ] || fail "mkimage - wrote a file named '-'"
cmp -s "$tmp/stdout.elf" "$tmp/img.elf" || fail "mkimage - differs"
grep -q '^regs: ' "$tmp/mk.err" || fail "mkimage -: summary not on stderr"

# --- trailing comments ------------------------------------------------------
printf '%s\n' '# a whole-line comment' '0x10 - 0x10002345 r # a trailing one' \
	'0x11 - 0x1000 w	#tab first' >"$tmp/q"
run translate "${IMG[@]}" <"$tmp/q"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] ||
	fail "trailing comments: $rc $(cat "$tmp/err")"

# --- man pages and --help agree: generated from --help ----------------------
"$VSMMU" --version | grep -Eq '^vsmmu [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
echo "cli: ok"
