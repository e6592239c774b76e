#!/usr/bin/env python3
"""Markdown tables from the JSON reports of scripts/uncertainty-results.sh (stdlib only).

Usage: python3 scripts/uncertainty-table.py OUT_DIR
QUBIQ test = case32-case39 (sorted-names test split), recomputed from the per-case entries of the 39-case run.
"""
import json, os, sys

out = sys.argv[1]
methods = [("single", "LiteMedSAM, one box"), ("boxens", "box ensemble = UGMP (3 boxes, σ 5 %)"),
           ("ursam-lit", "UR-SAM rectified (literal bound)"), ("ursam-mid", "UR-SAM rectified (midpoint bound)"),
           ("ugpa-box", "UGPA, boxes only"), ("ugpa-pts", "UGPA, boxes + 10 points")]
groups = [("qubiq", "QUBIQ test (8)", lambda c: c >= "case32"), ("qubiq", "QUBIQ all (39)", None),
          ("lidc", "LIDC-real all (67)", None), ("bubil", "BU-BIL test (7)", None)]
keys = ["dice", "iou", "ged", "hm_iou", "d_max"]

def summary(path, keep):
    j = json.load(open(path))
    cases = {k: v for k, v in j["cases"].items() if keep is None or keep(k)}
    mean = {k: sum(c[k] for c in cases.values()) / len(cases) for k in keys}
    acc = [c["accepted"] for c in cases.values() if "accepted" in c]
    mean["accepted"] = sum(acc) / len(acc) if acc else None
    return mean, len(cases), len(j["skipped"])

extra = {"0.5": [("ursam-ens", "UR-SAM ensemble (3 shifts, unrectified)"), ("fpc", "Unc-FPC (fixed threshold)"), ("fnc", "Unc-FNC (fixed threshold)"), ("fpnc", "Unc-FPNC (fixed threshold)")],
         "0.75": [], "tight": []}
for q in ["tight", "0.5", "0.75"]:
    rows = [("single", "LiteMedSAM, one box")] if q == "tight" else methods + extra[q]
    title = "Tight box of the raters' union (oracle prompt, reference)" if q == "tight" else f"Boxes at IoU {q} with the tight box of the raters' union (n = 3)"
    print(f"\n### {title}\n")
    print("| data | method | Dice ↑ | IoU ↑ | GED ↓ | HM-IoU ↑ | D_max ↑ | UGPA accepted |")
    print("|---|---|---|---|---|---|---|---|")
    for d, label, keep in groups:
        for m, name in rows:
            p = f"{out}/{d}-{q}-{m}.json"
            if not os.path.exists(p):
                print(f"| {label} | {name} | (not run) | | | | | |"); continue
            s, n, skipped = summary(p, keep)
            acc = "" if s["accepted"] is None else f"{100 * s['accepted']:.0f} %"
            print(f"| {label} | {name} | " + " | ".join(f"{s[k]:.3f}" for k in keys) + f" | {acc} |")
