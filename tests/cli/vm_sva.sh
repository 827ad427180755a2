#!/usr/bin/env bash
# Tool test: `vsmmu vm --sva`.  Host processes on a BTM SMMU and on one
# without, ASID moves under load, the three guest PASID designs: every
# count that proves a path ran is non-zero, the paths that must not run
# did not (no broadcast honoured by the SMMU without BTM, no notifier TLBI
# on the one with), and there is no finding, exit 0.  With seed 002's
# ASID move the same load is caught: stale translations, each one also
# reported by the invalidation checker, exit 1.  Bad options exit 2.  The
# JSON is checked with python3.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run NAME EXPECTED-STATUS ARGS...
run() {
	local name=$1 want=$2 rc=0
	shift 2
	"$VSMMU" vm --sva --json "$@" >"$tmp/$name.json" \
		2>"$tmp/$name.err" || rc=$?
	[ "$rc" -eq "$want" ] ||
		{ cat "$tmp/$name.err" "$tmp/$name.json" >&2; fail "vm --sva $* exited $rc, not $want"; }
}

run ours 0 --duration 1.5
run seed 1 --duration 1 --pasid-mode none --asid-move seed

python3 - "$tmp" <<'PY' || fail "vm --sva summaries"
import json, sys, os
d = sys.argv[1]
def load(n):
    with open(os.path.join(d, n + ".json")) as f:
        return json.load(f)  # one JSON object, nothing else on stdout
def need(cond, what, s):
    if not cond:
        sys.exit(f"{what}: {json.dumps(s)[:3000]}")

s = load("ours")
h = s["host"]
need(s["findings"] == 0 and s["asid_move"] == "ours", "ours: no finding", s)
need(all(v == 0 for v in h["findings"].values()), "ours: host findings", s)
need(s["cpu"]["broadcasts"] > 0 and s["cpu"]["rollovers"] > 0,
     "the CPUs broadcast and their 8-bit ASIDs rolled over", s)
need(h["dmas"] > 0 and h["stalls"] > 0 and h["unmaps"] > 0 and
     h["range_unmaps"] > 0 and h["protects"] > 0,
     "host processes: DMA, first-touch stalls, unmaps, ranges, mprotect", s)
need(h["asid_moves"] > 0 and h["churned"] > 0 and h["s1_unmaps"] > 0,
     "ASID moves under stage-1 traffic", s)
btm, nobtm = h["smmu"]
need(btm["btm"] and not nobtm["btm"], "SMMU 0 has BTM, SMMU 1 not", s)
need(btm["broadcasts_honoured"] == btm["broadcasts_heard"] > 0,
     "BTM: every broadcast honoured", s)
need(nobtm["broadcasts_heard"] > 0 and nobtm["broadcasts_honoured"] == 0,
     "no BTM (CR2.PTM = 1): broadcasts heard, none honoured", s)
need(btm["notifier_invalidations"] == 0 and
     nobtm["notifier_invalidations"] > 0,
     "the notifier's TLBIs only where there is no BTM", s)
for i, m in enumerate((btm, nobtm)):
    need(m["stalls_resolved"] > 0 and m["stalls_refused"] > 0,
         f"SMMU {i}: stalls resolved and refused", s)
    need(all(v == 0 for k, v in m["checker"].items() if k != "move_window"),
         f"SMMU {i}: the checker found nothing", s)
    need(m["command_errors"] == 0 and m["timeouts"] == 0,
         f"SMMU {i}: no command error, no timeout", s)
need(nobtm["checker"]["move_window"] == 0,
     "no ASID moves on the SMMU without BTM", s)
modes = [vm["pasid_mode"] for vm in s["vms"]]
need(modes == ["guest", "identity", "mapped"], "one VM per design", s)
for vm in s["vms"]:
    m = vm["pasid_mode"]
    need(vm["dmas"] > 0, m + ": DMAs", s)
    need(vm["page_requests"] > 0 and vm["pprs"] == vm["page_requests"] and
         vm["pri_resps"] == vm["pprs"] and vm["iopf_resolved"] > 0 and
         vm["pri_auto"] == 0,
         m + ": every page request reached the guest and was answered", s)
    need(vm["unmaps"] > 0 and vm["notifier_invalidations"] > 0 and
         vm["hwpt_invalidate"] > 0,
         m + ": the guest's TLBIs reached the host", s)
    need(all(v == 0 for v in vm["findings"].values()), m + ": no finding", s)
    if m == "guest":
        need(vm["pasid_allocs"] == 0 and vm["pasid_binds"] == 0,
             "guest-owned: no virtual command, nothing bound by the VMM", s)
    else:
        need(vm["pasid_allocs"] > 0 and vm["pasid_binds"] > 0 and
             vm["pasid_refused"] == 0,
             m + ": PASIDs from the virtual command, bound on the host", s)

s = load("seed")
h = s["host"]
need(s["asid_move"] == "seed" and s["vms"] == [], "seed: echoed", s)
need(h["asid_moves"] > 0 and h["findings"]["stale"] > 0,
     "seed 002's move: stale translations after strict unmaps", s)
need(h["smmu"][0]["checker"]["stale_tlb"] >= h["findings"]["stale"],
     "seed 002's move: the checker saw every stale translation", s)
need(s["findings"] > 0, "seed: findings counted", s)
PY

# Bad options: exit 2, a message naming the option
for bad in "--processes 0" "--processes 9" "--duration 0" \
	"--pasid-mode guest,nested" "--asid-move theirs" "extra"; do
	rc=0
	# shellcheck disable=SC2086
	"$VSMMU" vm --sva $bad >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "vm --sva $bad exited $rc, not 2"
	grep -q "vsmmu vm --sva: " "$tmp/err" || fail "vm --sva $bad: no message"
done
"$VSMMU" vm --sva --help | grep -q -- "--asid-move" || fail "--help"
"$VSMMU" vm --help | grep -q -- "--sva" || fail "vm --help names --sva"
echo "ok"
