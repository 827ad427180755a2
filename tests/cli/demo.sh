#!/usr/bin/env bash
# Tool test: `vsmmu demo` end to end, in both execution modes of the model.
# The JSON summary is checked with python3: DMA translated, the misbehaving
# device's faults reached the event queue, the driver issued CMD_SYNCs and
# TLBIs, and the invalidation checker found nothing; --broken (IOVAs
# reused before the deferred flush) must make it report STALE_TLB and exit
# non-zero; a bad option exits 2.
set -euo pipefail
: "${VSMMU:?set VSMMU to the vsmmu binary}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

for mode in sync thread; do
	"$VSMMU" demo --duration 0.3 --json --exec "$mode" \
		>"$tmp/$mode.json" 2>"$tmp/$mode.err" ||
		{ cat "$tmp/$mode.err" >&2; fail "demo --exec $mode exited $?"; }
	python3 - "$tmp/$mode.json" "$mode" <<'PY' || fail "demo --exec $mode"
import json, sys
with open(sys.argv[1]) as f:
    s = json.load(f)  # one JSON object, nothing else on stdout
mode = sys.argv[2]
def need(cond, what):
    if not cond:
        sys.exit(f"{mode}: {what}: {json.dumps(s)[:2000]}")
need(s["exec"] == mode, "exec mode echoed")
need(s["translations"] > 0, "translations > 0")
need(s["tlb_hits"] + s["tlb_misses"] == s["translations"], "hits + misses")
need(s["walks"] > 0 and s["desc_fetches"] >= s["walks"], "walks")
ev = s["events"]
need(ev.get("F_TRANSLATION", 0) > 0 or ev.get("F_PERMISSION", 0) > 0,
     "the misbehaving device's faults are in the event queue")
need(s["events_drained"] > 0, "events drained")
cmds = s["commands"]
need(cmds.get("CMD_SYNC", 0) > 0, "CMD_SYNC consumed")
need(any(k.startswith("CMD_TLBI_") and v > 0 for k, v in cmds.items()),
     "a TLBI consumed")
need(s["cmd_errors"] == 0, "no command errors")
need(s["checker_findings"] == 0, "no checker finding")
need(all(v == 0 for v in s["checker"].values()), "checker kinds all 0")
need(set(s["checker"]) == {"STALE_TLB", "STALE_CFG", "TORN_STE", "TORN_CD",
                          "STALE_WALK"},
     "checker kinds")
need(s["unexpected"] == 0 and s["ok"] is True, "clean run")
devs = s["per_device"]
need(len(devs) == s["devices"] + 1, "one row per device + the rogue")
rogue = [d for d in devs if d["misbehaving"]]
need(len(rogue) == 1 and rogue[0]["sid"] == 0xbad and rogue[0]["faults"] > 0,
     "the rogue faulted")
need(all(d["faults"] == 0 and d["stale"] == 0 and d["dma"] > 0
         for d in devs if not d["misbehaving"]),
     "well-behaved devices DMA'd without fault")
need(any(d["stage"] == 2 for d in devs), "a stage-2 device")
need(sum(d["dma"] for d in devs) == s["dma"], "per-device DMA sums")
need(s["driver"]["unmaps_strict"] > 0 and s["driver"]["unmaps_deferred"] > 0
     and s["driver"]["flushes"] > 0, "strict, deferred and flushed unmaps")
PY
done

# --broken: the checker must catch the reused IOVAs, and the exit says so.
rc=0
"$VSMMU" demo --duration 0.3 --json --broken >"$tmp/broken.json" \
	2>"$tmp/broken.err" || rc=$?
[ "$rc" -ne 0 ] || fail "--broken exited 0"
python3 - "$tmp/broken.json" <<'PY' || fail "--broken summary"
import json, sys
s = json.load(open(sys.argv[1]))
if not (s["broken"] and s["checker"]["STALE_TLB"] > 0 and s["ok"] is False
        and s["driver"]["reused_before_flush"] > 0):
    sys.exit(json.dumps(s)[:2000])
PY
grep -q 'checker reported' "$tmp/broken.err" || fail "--broken: no verdict"

# The human summary names everything the JSON has.
"$VSMMU" demo --ms 100 --devices 1 --threads 1 >"$tmp/human.txt" ||
	fail "human run"
for w in translations 'IOTLB hits' 'table walks' CMD_SYNC F_ 'events lost' \
	'checker findings' STALE_TLB 'command errors' '0xbad' 'ok: '; do
	grep -q "$w" "$tmp/human.txt" || fail "human summary lacks '$w'"
done

# --cmdqv: the driver's invalidations spread over VINTF0's logical
# queues, and the one deliberate illegal command is recovered on a VCMDQ.
for mode in sync thread; do
	"$VSMMU" demo --cmdqv --exec "$mode" --ms 200 --json \
		>"$tmp/cmdqv-$mode.json" 2>/dev/null ||
		fail "--cmdqv --exec $mode exited non-zero"
	python3 - "$tmp/cmdqv-$mode.json" <<'PY' || fail "--cmdqv $mode summary"
import json, sys
s = json.load(open(sys.argv[1]))
q = s["queues"]
lv = [x for x in q if x["queue"] >= 0]
ok = (s["ok"] and len(lv) >= 1 and any(x["queue"] == -1 for x in q)
      and sum(x["commands"] for x in lv) > 0
      and sum(x["cerror_ill"] for x in q) == 1
      and sum(x["cerror_ill"] for x in lv) == 1)
if not ok:
    sys.exit(json.dumps(q))
PY
done
"$VSMMU" demo --cmdqv --ms 100 --devices 2 --threads 1 >"$tmp/cmdqv.txt" ||
	fail "--cmdqv human run"
grep -q '^lvcmdq0 ' "$tmp/cmdqv.txt" || fail "--cmdqv: no queue table"

# Bad options: exit 2, a message on stderr, nothing run.
for bad in --bogus '--devices 0' '--devices 65' '--threads x' \
	'--duration 0' '--duration -1' '--ms 0' '--exec fast' 'extra'; do
	rc=0
	# shellcheck disable=SC2086
	"$VSMMU" demo $bad >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "'demo $bad' exited $rc, want 2"
	[ -s "$tmp/bad.err" ] || fail "'demo $bad': no message"
	[ ! -s "$tmp/bad.out" ] || fail "'demo $bad' printed on stdout"
done
"$VSMMU" demo --help | grep -q -- '--broken' || fail "--help"

# The shortest run allowed (1 ms) never fails: the misbehaving device's
# first DMAs are its faults whatever the duration ("never faulted" used
# to end ~1/4 of '--ms 2' runs).  100 runs, two at a time.
lane() {
	local i
	for i in $(seq 50); do
		"$VSMMU" demo --ms 1 --quiet >/dev/null 2>"$tmp/lane$1.err" ||
			{ cat "$tmp/lane$1.err"; return 1; }
	done
}
lane 1 & l1=$!
lane 2 & l2=$!
wait "$l1" || fail "a 1 ms demo failed"
wait "$l2" || fail "a 1 ms demo failed"

# Ctrl-C: the summary so far, exit 130
"$VSMMU" demo --duration 60 --json >"$tmp/int.json" 2>"$tmp/int.err" &
pid=$!
sleep 0.5
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "Ctrl-C: exit $rc, want 130: $(cat "$tmp/int.err")"
python3 - "$tmp/int.json" <<'PY' || fail "Ctrl-C summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["interrupted"] is True and s["duration_s"] < 30, s
assert s["translations"] > 0 and s["per_device"], s
PY
grep -q 'interrupted after' "$tmp/int.err" || fail "Ctrl-C: no message"
# progress goes to a terminal only: none in this pipe, some on a pty
! grep -q 'Ctrl-C: stop' "$tmp/int.err" || fail "progress in a pipe"
if command -v script >/dev/null 2>&1; then
	script -qec "'$VSMMU' demo --duration 0.8 --json" /dev/null |
		tr '\r' '\n' >"$tmp/tty.out"
	grep -q 'Ctrl-C: stop' "$tmp/tty.out" || fail "no progress on a tty"
fi
echo "demo: ok"
