#!/usr/bin/env python3
"""Independent NumPy references for LossReferenceTests.swift and OptimizerTests.swift.

Run `python3 Tests/SAMAutogradTests/make_reference.py` and paste the printed Swift literals into
the `Reference` enum of ReferenceValues.swift. Inputs are float32 values (so Swift sees exactly
the same numbers); all references are computed in float64 straight from the textbook formulas.
"""
import numpy as np

rng = np.random.default_rng(1234)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def lit(name, a):
    values = ", ".join("%.9g" % v for v in np.asarray(a, dtype=np.float64).ravel())
    return "    static let %s: [Float] = [%s]" % (name, values)


def scalar(name, v):
    return "    static let %s: Double = %.17g" % (name, v)


# Losses: logits [2, 3, 4] (two masks), binary targets and soft targets.
logits = f32(rng.normal(0.0, 2.0, size=(2, 3, 4)))
targets = f32(rng.random((2, 3, 4)) < 0.4)
soft = f32(rng.random((2, 3, 4)))
x = logits.astype(np.float64)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def bce(x, y):
    # Direct textbook form -[y log p + (1-y) log(1-p)] (inputs are moderate, so it is accurate).
    p = sigmoid(x)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def dice(x, y, s=1.0):
    p = sigmoid(x).reshape(x.shape[0], -1)
    y = y.reshape(y.shape[0], -1).astype(np.float64)
    per = 1 - (2 * (p * y).sum(1) + s) / (p.sum(1) + y.sum(1) + s)
    return per.mean()


def focal(x, y, gamma=2.0, alpha=None):
    p = sigmoid(x)
    ce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    pt = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - pt) ** gamma
    if alpha is not None:
        loss = loss * (alpha * y + (1 - alpha) * (1 - y))
    return loss.mean()


prediction = f32(rng.normal(size=(3, 5)))
truth = f32(rng.normal(size=(3, 5)))
w1 = f32(rng.normal(size=(4, 3)))
w2 = f32(rng.normal(size=(5,)))

print("enum Reference {")
print(lit("logits", logits))
print(lit("targets", targets))
print(lit("softTargets", soft))
print(scalar("bce", bce(x, targets)))
print(scalar("bceSoft", bce(x, soft)))
print(scalar("dice", dice(x, targets)))
print(scalar("diceSoft", dice(x, soft)))
print(scalar("focal", focal(x, targets)))
print(scalar("focalAlpha", focal(x, targets, alpha=0.25)))
print(lit("prediction", prediction))
print(lit("truth", truth))
print(scalar("mse", np.mean((prediction.astype(np.float64) - truth) ** 2)))
print(lit("l2First", w1))
print(lit("l2Second", w2))
print(scalar("l2", 0.05 * ((w1.astype(np.float64) ** 2).sum() + (w2.astype(np.float64) ** 2).sum())))

# Adam / AdamW: 3 steps from p0 with fixed gradients (lr 0.01; AdamW weight decay 0.1).
p0 = f32(rng.normal(size=5))
grads = [f32(rng.normal(size=5)) for _ in range(3)]


def adam(p, grads, lr, wd, b1=0.9, b2=0.999, eps=1e-8):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(p.copy())
    return out


print(lit("adamStart", p0))
for i, g in enumerate(grads):
    print(lit("adamGradient%d" % i, g))
for i, p in enumerate(adam(p0, grads, 0.01, 0.0)):
    print(lit("adamStep%d" % (i + 1), p))
for i, p in enumerate(adam(p0, grads, 0.01, 0.1)):
    print(lit("adamWStep%d" % (i + 1), p))
print("}")
