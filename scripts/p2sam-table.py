#!/usr/bin/env python3
"""Markdown table of scripts/p2sam-results.sh outputs: python3 scripts/p2sam-table.py OUT_DIR.

One row per evaluated (data, method); for LIDC also the unweighted mean over the folds that have the method
(the canonical report, shared/data/README.md). stdlib only."""
import json, pathlib, re, sys

out = pathlib.Path(sys.argv[1])
rows = {}
for path in sorted(out.glob("*.json")):
    name, n, conv = path.stem.rsplit("-", 2)
    rows.setdefault(name, {})[(n, conv)] = json.loads(path.read_text())

COLUMNS = [("GED16 ↓", ("n16", "standard"), "ged"), ("GED32 ↓", ("n32", "standard"), "ged"),
           ("HM-IoU16 std ↑", ("n16", "standard"), "hm_iou"), ("HM-IoU16 p2sam ↑", ("n16", "p2sam"), "hm_iou"),
           ("D_max16 per-rater ↑", ("n16", "standard"), "d_max"), ("D_max16 global ↑", ("n16", "p2sam"), "d_max"),
           ("D_mean16 ↑", ("n16", "standard"), "d_mean"), ("sample div. 16", ("n16", "standard"), "sample_diversity"),
           ("rater div.", ("n16", "standard"), "rater_diversity")]

def values(runs):
    out = []
    for _, run, key in COLUMNS:
        report = runs.get(run)
        out.append(report["mean"][key] if report and report.get("mean") else None)
    return out

def fmt(v):
    return "–" if v is None else f"{v:.3f}"

table = []
for name, runs in rows.items():
    std = runs.get(("n16", "standard"))
    table.append((name, len(std["cases"]) if std else 0, values(runs)))

# LIDC: mean over folds per method.
folds = {}
for name, cases, vals in table:
    m = re.match(r"lidc(\d{4})-(.*)", name)
    if m:
        folds.setdefault(m.group(2), []).append((cases, vals))
for method, entries in sorted(folds.items()):
    if len(entries) < 2:
        continue
    mean = [None if any(v[i] is None for _, v in entries) else sum(v[i] for _, v in entries) / len(entries)
            for i in range(len(COLUMNS))]
    table.append((f"lidc mean of {len(entries)} folds-{method}", sum(c for c, _ in entries), mean))

print("| data / method | cases | " + " | ".join(c[0] for c in COLUMNS) + " |")
print("|---|---|" + "---|" * len(COLUMNS))
for name, cases, vals in table:
    print(f"| {name} | {cases} | " + " | ".join(fmt(v) for v in vals) + " |")
