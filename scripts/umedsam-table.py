#!/usr/bin/env python3
"""Markdown tables of docs/umedsam-results.md from the JSON reports of scripts/umedsam-results.sh.

Usage: python3 scripts/umedsam-table.py DIR   (DIR holds full.json, nosam.json, fixed.json, shape.json, mpa.json)
"""
import json
import os
import sys

RUNS = [
    ("full", "full U-MedSAM (4 terms, code weighting, SAM ρ 0.05)", "full U-MedSAM"),
    ("nosam", "weighted loss without SAM", "weighted, no SAM"),
    ("fixed", "fixed equal weights, SAM", "fixed equal, SAM"),
    ("shape", "shape distance only, no SAM", "shape only"),
    ("mpa", "MPA-lite: mixed prompts, decoder + prompt encoder, no SAM", "MPA-lite"),
]
NAMES = {"BU-BIL_Dataset1": "bu-bil-d1", "lidc_crops_128": "lidc-real", "qubiq_brain_growth_128": "qubiq-brain-growth"}
PROMPTS = ["box +0 px", "box +5 px"]


def rename(name):
    for old, new in NAMES.items():
        name = name.replace(old, new)
    return name


def cell(figures, prompt, dataset=None):
    f = figures.get(prompt)
    if f is None:
        return None
    s = f["overall"] if dataset is None else {rename(k): v for k, v in f["perDataset"].items()}.get(dataset)
    return s


def main(directory):
    rows, base = [], None
    for key, label, short in RUNS:
        path = os.path.join(directory, key + ".json")
        if not os.path.exists(path):
            continue
        report = json.load(open(path))
        if base is None:
            base = ("pretrained LiteMedSAM", "pretrained", report["before"], None)
        rows.append((label, short, report["after"], report))
    if base is None:
        sys.exit("no reports in " + directory)
    allrows = [base] + rows
    print("| model | n | DSC box 0 | NSD box 0 | DSC box 5 | NSD box 5 | train min |")
    print("|---|---|---|---|---|---|---|")
    for label, _, figures, report in allrows:
        a, b = cell(figures, PROMPTS[0]), cell(figures, PROMPTS[1])
        minutes = f"{report['training_minutes']:.1f}" if report else "–"
        print(f"| {label} | {a['cases']} | {a['dice']:.4f} | {a['nsd']:.4f} | {b['dice']:.4f} | {b['nsd']:.4f} | {minutes} |")
    print()
    datasets = sorted(rename(k) for k in base[2][PROMPTS[0]]["perDataset"])
    for prompt in PROMPTS:
        print(f"DSC / NSD, {prompt}:\n")
        print("| dataset | n | " + " | ".join(r[1] for r in allrows) + " |")
        print("|---|---|" + "---|" * len(allrows))
        for d in datasets:
            cells, n = [], 0
            for _, _, figures, _ in allrows:
                s = cell(figures, prompt, d)
                n = s["cases"]
                cells.append(f"{s['dice']:.4f} / {s['nsd']:.4f}")
            print(f"| {d} | {n} | " + " | ".join(cells) + " |")
        print()
    points = [k for k in base[2] if "point" in k]
    for p in points:
        print(f"| model | n | DSC {p} | NSD {p} |")
        print("|---|---|---|---|")
        for label, _, figures, _ in allrows:
            s = cell(figures, p)
            print(f"| {label} | {s['cases']} | {s['dice']:.4f} | {s['nsd']:.4f} |")
        print()
    for label, _, _, report in rows:
        print(label, "| loss weights:", report.get("loss_weights"), "| train", report["training_cases"],
              "val", report["validation_cases"], "| epochs (epoch, loss, criterion, s):",
              [(h["epoch"], round(h["trainLoss"], 4), round(h["criterion"], 4), round(h["seconds"], 1)) for h in report["history"]])
        print("  data (name, train, val, empty train, empty val):",
              [(rename(d["name"]), d["train"], d["validation"], d["skipped_empty_train"], d["skipped_empty_validation"]) for d in report["datasets"]])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/umedsam-results")
