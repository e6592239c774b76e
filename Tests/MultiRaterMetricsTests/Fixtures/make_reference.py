#!/usr/bin/env python3
"""Independent NumPy/SciPy reference for the multi-rater metrics (writes reference_metrics.json).

Run from this folder:  python3 make_reference.py
Conventions (DESIGN.md section 3, SPECS.md 1.2 and 7.10):
  IoU(empty, empty) = 1, Dice(empty, empty) = 1; d = 1 - IoU.
  GED: V-statistic over full n x n, n x m, m x m matrices with diagonals, no square root.
  HM-IoU standard: tile both sets to lcm(n, m), square linear_sum_assignment (maximize), mean.
  HM-IoU p2sam: rectangular n x m linear_sum_assignment (maximize), mean over min(n, m) pairs.
  D_max per-rater: mean over raters of max over samples of Dice; global: max over all pairs.
  D_mean: mean over all pairs.  Diversity: mean d over ordered pairs of distinct indices (0 if < 2).
  ECE: 10 bins over [0, 1], bin b = (b/10, (b+1)/10], confidence max(p, 1-p), label p >= 0.5.
  UEO: u' = u / max(u) (0 if max <= 0), max over t = k/100, k = 1..100 of Dice(u' >= t, pred != ref).
  NCC of pixel variances f(1-f) of samples and raters (null if either is constant).
"""
import json, math
import numpy as np
from scipy.optimize import linear_sum_assignment

rng = np.random.default_rng(20240611)

def iou(a, b):
    u = np.logical_or(a, b).sum()
    return 1.0 if u == 0 else np.logical_and(a, b).sum() / u

def dice(a, b):
    t = a.sum() + b.sum()
    return 1.0 if t == 0 else 2.0 * np.logical_and(a, b).sum() / t

def matrix(f, xs, ys):
    return np.array([[f(x, y) for y in ys] for x in xs], dtype=np.float64)

def ged(S, Y):
    return 2 * (1 - matrix(iou, S, Y)).mean() - (1 - matrix(iou, S, S)).mean() - (1 - matrix(iou, Y, Y)).mean()

def hm_standard(S, Y):
    n, m = len(S), len(Y)
    L = n * m // math.gcd(n, m)
    SS = [S[i % n] for i in range(L)]
    YY = [Y[i % m] for i in range(L)]
    M = matrix(iou, SS, YY)
    r, c = linear_sum_assignment(M, maximize=True)
    return M[r, c].mean()

def hm_p2sam(S, Y):
    M = matrix(iou, S, Y)
    r, c = linear_sum_assignment(M, maximize=True)
    return M[r, c].sum() / min(len(S), len(Y))

def diversity(X):
    k = len(X)
    if k < 2: return 0.0
    D = 1 - matrix(iou, X, X)
    return (D.sum() - np.trace(D)) / (k * (k - 1))

def ece(p, ref, bins=10):
    conf = np.maximum(p, 1 - p)
    correct = ((p >= 0.5) == ref)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for b in range(bins):
        sel = (conf > edges[b]) & (conf <= edges[b + 1])
        if sel.sum() == 0: continue
        total += sel.sum() / p.size * abs(correct[sel].mean() - conf[sel].mean())
    return total

def ueo(u, pred, ref, steps=100):
    err = pred != ref
    un = u / u.max() if u.max() > 0 else np.zeros_like(u)
    return max(dice(un >= k / steps, err) for k in range(1, steps + 1))

def ncc(a, b):
    a = a - a.mean(); b = b - b.mean()
    den = math.sqrt((a * a).sum() * (b * b).sum())
    return None if den == 0 else float((a * b).sum() / den)

def blob(h, w):
    """A random ellipse, sometimes empty, sometimes noise."""
    kind = rng.random()
    if kind < 0.15: return np.zeros((h, w), bool)
    if kind < 0.25: return rng.random((h, w)) < 0.3
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    ry, rx = rng.uniform(1, h / 2), rng.uniform(1, w / 2)
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1

cases = []
shapes = [(5, 7, 3, 4), (16, 20, 16, 4), (11, 13, 5, 3), (8, 8, 1, 1), (9, 10, 1, 4), (12, 9, 6, 1),
          (16, 16, 4, 4), (7, 13, 7, 2), (10, 10, 3, 6), (20, 17, 8, 3), (6, 6, 2, 2), (4, 3, 4, 7)]
for idx, (h, w, n, m) in enumerate(shapes):
    S = [blob(h, w) for _ in range(n)]
    Y = [blob(h, w) for _ in range(m)]
    if idx == 6:    # identical multisets: GED must be 0
        S = [y.copy() for y in Y]
    if idx == 10:   # all empty
        S = [np.zeros((h, w), bool)] * n; Y = [np.zeros((h, w), bool)] * m
    p = np.round(rng.random((h, w)), 6)
    u = np.round(rng.random((h, w)) * rng.choice([0.0, 1.0, 3.0]), 6)
    ref = Y[0]
    pred = p >= 0.5
    fs = np.mean(S, axis=0); fy = np.mean(Y, axis=0)
    D = matrix(dice, S, Y)
    cases.append({
        "width": w, "height": h,
        "samples": ["".join("1" if v else "0" for v in s.ravel()) for s in S],
        "raters": ["".join("1" if v else "0" for v in y.ravel()) for y in Y],
        "probabilities": p.ravel().tolist(), "uncertainty": u.ravel().tolist(),
        "ged": float(ged(S, Y)),
        "hm_iou_standard": float(hm_standard(S, Y)), "hm_iou_p2sam": float(hm_p2sam(S, Y)),
        "d_max_per_rater": float(D.max(axis=0).mean()), "d_max_global": float(D.max()),
        "d_mean": float(D.mean()),
        "sample_diversity": float(diversity(S)), "rater_diversity": float(diversity(Y)),
        "ece_vs_rater0": float(ece(p, ref)),
        "ueo_vs_rater0": float(ueo(u, pred, ref)),
        "variance_ncc": ncc(fs * (1 - fs), fy * (1 - fy)),
    })

with open("reference_metrics.json", "w") as f:
    json.dump({"generator": "make_reference.py (numpy %s)" % np.__version__, "cases": cases}, f)
print("wrote", len(cases), "cases")
