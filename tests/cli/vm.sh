#!/usr/bin/env bash
# Tool test: `vsmmu vm`.  Two VMs with CMDQV passthrough: every VM's DMAs,
# unmaps and MSIs counted, invalidations on the VCMDQ, 0 isolation
# findings, exit 0; with --hostile 1 the other VM is unaffected and the
# host keeps running; the emulated queue with --cmdqv off; bad options
# exit 2.  The JSON is checked with python3.
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
