#!/usr/bin/env python3
"""Markdown table of MedSAM-U's UGMP/UGPA rows on the pretrained and the MPA-lite backbone
(docs/umedsam-results.md), from `p2sam evaluate --json` runs named MODEL-DATA-IOU-METHOD.json
(MODEL pre|mpa, DATA qubiq|lidc|bubil, IOU 0.5|0.75, METHOD single|ugpa-box|ugpa-pts).

Usage: python3 scripts/umedsam-medsamu-table.py DIR
"""
import json
import os
import sys

DATA = [("qubiq", "QUBIQ test (8)"), ("lidc", "LIDC-real fold-0 test (LIDC-IDRI-0001)"), ("bubil", "BU-BIL test (7)")]
METHODS = [("single", "LiteMedSAM, one box"), ("ugpa-box", "UGPA, boxes only"), ("ugpa-pts", "UGPA, boxes + 10 points")]
MODELS = [("pre", "pretrained"), ("mpa", "MPA-lite")]


def main(directory):
    for iou in ["0.5", "0.75"]:
        print(f"Boxes at IoU {iou} with the tight box of the raters' union (n = 3):\n")
        print("| data | backbone | method | cases | Dice ↑ | IoU ↑ | NSD ↑ | GED ↓ | HM-IoU ↑ | D_max ↑ | UGPA accepted |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for data, data_label in DATA:
            for model, model_label in MODELS:
                for method, method_label in METHODS:
                    path = os.path.join(directory, f"{model}-{data}-{iou}-{method}.json")
                    if not os.path.exists(path):
                        continue
                    report = json.load(open(path))
                    m = report["mean"]
                    accepted = f"{100 * m['accepted']:.0f} %" if method.startswith("ugpa") and "accepted" in m else ""
                    cases = len(report.get("cases", [])) or "?"
                    print(f"| {data_label} | {model_label} | {method_label} | {cases} | {m['dice']:.3f} | {m['iou']:.3f} | "
                          f"{m['nsd']:.3f} | {m['ged']:.3f} | {m['hm_iou']:.3f} | {m['d_max']:.3f} | {accepted} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/umedsam-medsamu")
