#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""plots.py BENCH.json OUTDIR: gnuplot scripts and data for the charts in
docs/benchmarks.md, from the one JSON document `make bench BENCH_JSON=`
writes.  Writes OUTDIR/<chart>.dat and OUTDIR/<chart>.gp; bench/plots.sh
runs gnuplot on them.  A chart whose rows are absent is skipped, said on
stderr.

  translate.svg   ns per vsmmu_translate() by case, 1 and 2 threads
  cmdq.svg        commands per second by producer threads, per case
  cmdqv.svg       TLBI+CMD_SYNC ns: one main queue vs one VCMDQ per thread
  workingset.svg  ns per translation as the working set grows past the
                  TLBs (rows with a numeric "pages" or "working set" key)
"""
import json
import os
import re
import sys

COMMON = """set terminal svg size 860,440 dynamic font "sans,11" background "white"
set termoption noenhanced
set output "{out}"
set title "{title}"
set grid ytics lc rgb "#dddddd"
set key outside right top
"""


def results(doc, bench):
    for b in doc.get("benchmarks", [doc]):
        if b.get("bench") == bench:
            return b.get("results", [])
    return []


def label(r):
    mode = r.get("mode") or "-"
    return "%d thr%s" % (r["threads"], "" if mode == "-" else ", " + mode)


def bars(rows, key, keyname):
    """Cluster per case, one bar per (threads, mode)."""
    cases, series, val = [], [], {}
    for r in rows:
        v = r.get(key)
        if not isinstance(v, (int, float)):
            continue
        s = label(r)
        if r["case"] not in cases:
            cases.append(r["case"])
        if s not in series:
            series.append(s)
        val[(r["case"], s)] = v
    lines = ["case " + " ".join('"%s"' % s for s in series)]
    for c in cases:
        lines.append('"%s" ' % c + " ".join(
            str(val.get((c, s), "NaN")) for s in series))
    return "\n".join(lines) + "\n", len(series)


def bar_script(out, title, ylabel, dat, n, logy=False):
    gp = COMMON.format(out=out, title=title)
    gp += 'set ylabel "%s"\n' % ylabel
    gp += "set style data histograms\nset style histogram clustered gap 1\n"
    gp += "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
    gp += "set xtics rotate by -30\nset yrange [0:*]\n"
    if logy:
        gp += "set logscale y\nset yrange [*:*]\n"
    gp += "plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)\n" % (
        n + 1, dat)
    return gp


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    doc = json.load(open(src))
    os.makedirs(outdir, exist_ok=True)
    made = []

    def emit(name, dat, gp):
        with open(os.path.join(outdir, name + ".dat"), "w") as f:
            f.write(dat)
        with open(os.path.join(outdir, name + ".gp"), "w") as f:
            f.write(gp)
        made.append(name)

    # 1. translation cost per case and thread count
    rows = results(doc, "bench_translate")
    ws_key = None
    for r in rows:
        for k, v in r.items():
            if re.search(r"working.?set|^pages$", k, re.I) and \
                    isinstance(v, (int, float)):
                ws_key = k
    base = [r for r in rows if not ws_key or r.get(ws_key) is None]
    if base:
        dat, n = bars(base, "ns_median", "ns")
        emit("translate", dat, bar_script(
            "translate.svg", "vsmmu_translate() cost per case (median)",
            "ns per call", "translate.dat", n))
    else:
        print("plots: no bench_translate rows", file=sys.stderr)

    # 4. cost as the working set grows (the sweep rows)
    sweep = [r for r in rows if ws_key and
             isinstance(r.get(ws_key), (int, float))]
    if len({r[ws_key] for r in sweep}) >= 3:
        series = {}
        for r in sweep:
            series.setdefault("%s, %s" % (r["case"], label(r)), []).append(
                (r[ws_key], r["ns_median"]))
        lines = []
        for i, (s, pts) in enumerate(series.items()):
            lines.append('# "%s"' % s)
            lines += ["%s %s" % p for p in sorted(pts)]
            lines.append("\n")
        gp = COMMON.format(out="workingset.svg",
                           title="vsmmu_translate() as the working set grows")
        gp += 'set xlabel "%s"\nset ylabel "ns per call"\n' % ws_key
        gp += "set logscale x 2\nset yrange [0:*]\n"
        gp += "plot " + ", ".join(
            "'workingset.dat' index %d using 1:2 with linespoints title \"%s\""
            % (i, s) for i, s in enumerate(series)) + "\n"
        emit("workingset", "\n".join(lines), gp)
    else:
        print("plots: no working-set sweep in bench_translate (a numeric "
              "'pages' or 'working set' column); workingset.svg skipped",
              file=sys.stderr)

    # 2. command throughput per producer count
    rows = results(doc, "bench_cmdq")
    key = "cmds/s (with syncs)"
    pts = {}
    for r in rows:
        v = r.get(key)
        if isinstance(v, (int, float)):
            pts.setdefault("%s (%s)" % (r["case"], r.get("mode", "")),
                           []).append((r["threads"], v))
    multi = {s: p for s, p in pts.items() if len(p) >= 2}
    if multi:
        lines = []
        for s, p in multi.items():
            lines.append('# "%s"' % s)
            lines += ["%d %g" % x for x in sorted(p)]
            lines.append("\n")
        gp = COMMON.format(out="cmdq.svg",
                           title="Command throughput by producer threads")
        gp += 'set xlabel "producer threads"\nset ylabel "commands/s"\n'
        gp += "set xtics 1\nset logscale y\n"
        gp += "plot " + ", ".join(
            "'cmdq.dat' index %d using 1:2 with linespoints title \"%s\""
            % (i, s) for i, s in enumerate(multi)) + "\n"
        emit("cmdq", "\n".join(lines), gp)
    else:
        print("plots: no bench_cmdq rows", file=sys.stderr)

    # 3. CMDQV: shared main queue against a VCMDQ per thread
    rows = results(doc, "bench_cmdqv")
    if rows:
        dat, n = bars(rows, "ns_median", "ns")
        emit("cmdqv", dat, bar_script(
            "cmdqv.svg",
            "CMDQV: TLBI + CMD_SYNC, main queue vs VCMDQ per thread",
            "ns per call (median)", "cmdqv.dat", n, logy=True))
    else:
        print("plots: no bench_cmdqv rows", file=sys.stderr)
    print(" ".join(made))


if __name__ == "__main__":
    main()
