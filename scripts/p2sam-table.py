#!/usr/bin/env python3
"""Markdown table of scripts/p2sam-results.sh outputs: python3 scripts/p2sam-table.py OUT_DIR."""
import json, pathlib, sys

out = pathlib.Path(sys.argv[1])
rows = {}
for path in sorted(out.glob("*.json")):
    name, n, conv = path.stem.rsplit("-", 2)
    report = json.loads(path.read_text())
    rows.setdefault(name, {})[(n, conv)] = report

def cell(report, key):
    return f"{report['mean'][key]:.3f}" if report and report.get("mean") else "–"

print("| data / method | cases | GED16 ↓ | GED32 ↓ | HM-IoU16 std ↑ | HM-IoU16 p2sam ↑ | D_max16 per-rater ↑ | D_max16 global ↑ | D_mean16 ↑ | sample div. 16 | Dice vs majority ↑ |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for name, runs in rows.items():
    std, p2, n32 = runs.get(("n16", "standard")), runs.get(("n16", "p2sam")), runs.get(("n32", "standard"))
    cases = len(std["cases"]) if std else 0
    print(f"| {name} | {cases} | {cell(std, 'ged')} | {cell(n32, 'ged')} | {cell(std, 'hm_iou')} | {cell(p2, 'hm_iou')} | "
          f"{cell(std, 'd_max')} | {cell(p2, 'd_max')} | {cell(std, 'd_mean')} | {cell(std, 'sample_diversity')} | {cell(std, 'dice')} |")
