#!/usr/bin/env python3
"""Per-object Dice between two folders of challenge outputs (`segs` in each .npz), e.g. `p2sam infer`
against the reference script; prints one row per case and object and fails (exit 1) if any Dice is
below --min-dice (default 0.99). Objects empty in both are Dice 1.

    python3 compare_infer.py OURS REFERENCE [--min-dice 0.99] [--cases CASES]
"""
import argparse, os, sys
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("ours")
ap.add_argument("reference")
ap.add_argument("--cases", help="input folder, to count the objects from `boxes`")
ap.add_argument("--min-dice", type=float, default=0.99)
args = ap.parse_args()
worst, failed = 1.0, 0
names = sorted(n for n in os.listdir(args.reference) if n.endswith(".npz"))
print(f"{'case':28s} {'object':>6s} {'voxels ours':>12s} {'voxels ref':>11s} {'Dice':>8s}")
for name in names:
    ref = np.load(os.path.join(args.reference, name))["segs"].astype(np.int64)
    path = os.path.join(args.ours, name)
    if not os.path.exists(path):
        print(f"{name:28s} missing in {args.ours}")
        failed += 1
        continue
    ours = np.load(path)["segs"].astype(np.int64)
    if ours.shape != ref.shape:
        print(f"{name:28s} shape {ours.shape} vs {ref.shape}")
        failed += 1
        continue
    n = int(max(ref.max(), ours.max()))
    if args.cases:
        n = max(n, len(np.load(os.path.join(args.cases, name))["boxes"]))
    for k in range(1, n + 1):
        a, b = ours == k, ref == k
        total = a.sum() + b.sum()
        dice = 1.0 if total == 0 else 2 * (a & b).sum() / total
        worst = min(worst, dice)
        failed += dice < args.min_dice
        print(f"{name:28s} {k:6d} {a.sum():12d} {b.sum():11d} {dice:8.5f}")
print(f"worst Dice {worst:.5f} over {len(names)} cases; {failed} below {args.min_dice}")
sys.exit(1 if failed else 0)
