#!/usr/bin/env python3
"""Markdown table of `p2sam evaluate --conventions both --json` reports (issue 13): one row per file.

Usage: python3 scripts/p2sam-real-table.py OUT/*.json
"""
import json
import os
import sys

print("| run | cases | GED16 ↓ | HM-IoU16 std ↑ | HM-IoU16 p2sam ↑ | D_max16 per-rater ↑ | D_max16 global ↑ "
      "| D_mean16 ↑ | sample div. | rater div. | empty samples | empty raters |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for path in sys.argv[1:]:
    report = json.load(open(path))
    m = report.get("mean")
    if not m:
        print(f"| {os.path.basename(path)} | 0 | | | | | | | | | | |")
        continue
    def f(key):
        v = m.get(key)
        return "" if v is None else f"{v:.3f}"
    print(f"| {os.path.basename(path)[:-5]} | {len(report['cases'])} | {f('ged')} | {f('hm_iou_standard')} "
          f"| {f('hm_iou_p2sam')} | {f('d_max_per_rater')} | {f('d_max_global')} | {f('d_mean')} "
          f"| {f('sample_diversity')} | {f('rater_diversity')} | {f('empty_sample_fraction')} "
          f"| {f('empty_rater_fraction')} |")
