#!/usr/bin/env bash
# Tool test: `vsmmu vm`.  Two VMs with CMDQV passthrough: every VM's DMAs,
# unmaps and MSIs counted, invalidations on the VCMDQ, 0 isolation
# findings, exit 0; with --hostile 1 the other VM is unaffected and the
# host keeps running; the emulated queue with --cmdqv off; bad options
# exit 2; a guest-built configuration dumped (`vm dump`) and replayed
# through the stack (`vm replay`).  The JSON is checked with python3.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

run() {
	local name=$1
	shift
	"$VSMMU" vm --json --duration 0.2 "$@" >"$tmp/$name.json" \
		2>"$tmp/$name.err" ||
		{ cat "$tmp/$name.err" "$tmp/$name.json" >&2; fail "vm $*"; }
}

run pass --vms 2 --devices 2 --cmdqv passthrough
run hostile --vms 2 --devices 2 --hostile 1 --seed 7
run off --vms 2 --devices 1 --cmdqv off --trap thread

python3 - "$tmp" <<'PY' || fail "vm summaries"
import json, sys, os
d = sys.argv[1]
def load(n):
    with open(os.path.join(d, n + ".json")) as f:
        return json.load(f)  # one JSON object, nothing else on stdout
def need(cond, what, s):
    if not cond:
        sys.exit(f"{what}: {json.dumps(s)[:2000]}")
for name in ("pass", "hostile", "off"):
    s = load(name)
    need(s["findings"] == 0, name + ": 0 isolation findings", s)
    need(s["host"]["command_errors"] == 0 and s["host"]["timeouts"] == 0,
         name + ": the host's queues never stopped", s)
    for vm in s["per_vm"]:
        if vm["hostile"]:
            need(vm["hostile_ops"] > 0, name + ": the hostile guest ran", s)
            continue
        need(vm["dmas"] > 0, name + ": DMAs", s)
        need(vm["unmaps"] > 0 and vm["unmap_p99_ns"] >= vm["unmap_p50_ns"]
             > 0, name + ": unmaps and their latency", s)
        need(vm["msis_sent"] > 0 and vm["msis_delivered"] > 0,
             name + ": MSIs reached the host doorbell", s)
        need(all(v == 0 for v in vm["findings"].values()),
             name + ": no finding", s)
s = load("pass")
need(s["cmdqv"] == "passthrough", "mode echoed", s)
for vm in s["per_vm"]:
    need(vm["inv_vcmdq"] > 0 and vm["direct"] > 0,
         "passthrough: invalidations rang the VCMDQ with no exit", s)
s = load("hostile")
need([vm["hostile"] for vm in s["per_vm"]] == [False, True],
     "--hostile 1: the last VM", s)
s = load("off")
for vm in s["per_vm"]:
    need(vm["inv_vcmdq"] == 0 and vm["hwpt_invalidate"] > 0,
         "off: the trapped queue and HWPT_INVALIDATE", s)
PY

# A guest-built configuration dumped, then replayed through the stack
flags=$("$VSMMU" vm dump "$tmp/guest.elf") || fail "vm dump"
# shellcheck disable=SC2086
"$VSMMU" vm replay $flags '0x10 - 0x100010 w' '0x10 - 0x200000 w' \
	'0x10 - 0x200008 r' '0x11 - 0x100000 r' '0x10 - 0x8000040 w' \
	>"$tmp/replay.json" || fail "vm replay"
# The same with the RAM pinned at a given host-physical address, and an
# STE that is not there (the stream table moved by a page)
# shellcheck disable=SC2086
"$VSMMU" vm replay $flags --ram 0x40000000:0x1000000@0x200000000 \
	'0x10 - 0x100010 r' >>"$tmp/replay.json" || fail "vm replay @HPA"
# shellcheck disable=SC2086
"$VSMMU" vm replay $flags --reg STRTAB_BASE_CFG.LOG2SIZE=4 \
	'0x10 - 0x100010 r' >>"$tmp/replay.json" || fail "vm replay LOG2SIZE"
python3 - "$tmp/replay.json" <<'PY' || fail "vm replay answers"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
def need(cond, what):
    if not cond:
        sys.exit(what + ": " + json.dumps(a))
need(len(a) == 7, "one answer per query")
# Read-write page: the guest's GPA, pinned where the host put it
need(a[0]["result"] == "ok" and a[0]["gpa"] == "0x40100010" and
     a[0]["perm"] == "rw-" and a[0]["ste"] == "stage1", "rw page")
# Write to the read-only page: F_PERMISSION for the guest, with its vSID
need(a[1]["result"] == "fault" and a[1]["event"] == "F_PERMISSION" and
     a[1]["to"] == "guest" and int(a[1]["evt"][0], 16) >> 32 == 0x10 and
     not a[1]["stage2"], "permission fault to the guest")
need(a[2]["result"] == "ok" and a[2]["gpa"] == "0x40200008" and
     a[2]["perm"] == "r--", "ro page read")
# Device 0x11 has nothing mapped there: F_TRANSLATION, vSID 0x11
need(a[3]["event"] == "F_TRANSLATION" and a[3]["to"] == "guest" and
     int(a[3]["evt"][0], 16) >> 32 == 0x11, "translation fault")
# The MSI: gIOVA -> gDB 0x9000040 -> the host doorbell 0x8020040
need(a[4]["result"] == "ok" and a[4]["gpa"] == "0x9000040" and
     a[4]["hpa"] == "0x8020040", "doorbell through both stages")
need(a[5]["hpa"] == "0x200100010", "--ram @HPA")
# LOG2SIZE 4: vSID 0x10 is outside the table: abort, no event
need(a[6]["result"] == "aborted" and a[6]["ste"] == "abort", "abort")
PY

for bad in "--vms 0" "--cmdqv maybe" "--hostile 2 --vms 2" "--trap x" \
	"--duration -1"; do
	# shellcheck disable=SC2086
	if "$VSMMU" vm $bad >/dev/null 2>&1; then
		fail "vm $bad succeeded"
	else
		rc=$?
		[ "$rc" -eq 2 ] || fail "vm $bad exited $rc, not 2"
	fi
done
"$VSMMU" vm --help | grep -q -- "--hostile" || fail "vm --help"
"$VSMMU" vm replay --help | grep -q -- "--dev" || fail "vm replay --help"
if "$VSMMU" vm replay --mem "$tmp/guest.elf" >/dev/null 2>&1; then
	fail "vm replay without --dev succeeded"
fi
"$VSMMU" vm replay --mem "$tmp/guest.elf" --dev 0x10=0x40 'bad query' \
	>/dev/null 2>&1 && fail "a malformed query must exit 1"
[ $? -eq 1 ] || fail "a malformed query exits 1"
