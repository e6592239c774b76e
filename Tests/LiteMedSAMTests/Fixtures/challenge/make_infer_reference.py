#!/usr/bin/env python3
"""Two small synthetic challenge cases and the reference script's segmentations of them, for
`ChallengeInferenceTests` (synthetic data only, so redistributable).

    python3 make_infer_reference.py --medsam-repo /tmp/litemedsam_ref [--checkpoint ../../../../Models/lite_medsam.pth]

Writes `2D_syn_small.npz` (160x200x3 uint8, 3 boxes, two overlapping) and `3D_syn_small.npz`
(10x96x128 uint8, 2 objects with different middle slices, one touching slice 0), then runs the
unmodified reference `CVPR24_LiteMedSAM_infer.py` through `scripts/reference/run_reference_infer.py`
(PyTorch CPU, same checkpoint) and keeps its outputs as `<case>.reference.npz` (`segs`, uint8).
Needs the interpreter set up as in docs/infer.md.
"""
import argparse, os, shutil, subprocess, sys, tempfile
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "../../../.."))
ap = argparse.ArgumentParser()
ap.add_argument("--medsam-repo", required=True)
ap.add_argument("--checkpoint", default=os.path.join(root, "Models/lite_medsam.pth"))
args = ap.parse_args()
rng = np.random.default_rng(15)


def texture(h, w):
    y, x = np.mgrid[0:h, 0:w]
    return 70 + 25 * np.sin(x / 11.0) * np.cos(y / 15.0) + rng.normal(0, 5, (h, w))


def ellipse(h, w, cy, cx, ry, rx):
    y, x = np.mgrid[0:h, 0:w]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


img = texture(160, 200)
for cy, cx, ry, rx, v in [(60, 70, 30, 40, 200), (70, 95, 14, 16, 240), (120, 150, 22, 30, 160)]:
    m = ellipse(160, 200, cy, cx, ry, rx)
    img[m] = v + rng.normal(0, 4, m.sum())
img = np.clip(img, 0, 255).astype(np.uint8)
rgb = np.stack([img, img, np.clip(img.astype(int) + 15, 0, 255).astype(np.uint8)], axis=-1)
boxes2d = np.array([[26, 26, 114, 94], [75, 52, 115, 88], [116, 94, 184, 146]], np.int64)

vol = np.stack([texture(96, 128) for _ in range(10)])
boxes3d = []
for cz, cy, cx, rz, ry, rx, v in [(3, 40, 45, 4, 22, 28, 210), (6, 60, 85, 3, 18, 22, 170)]:
    zs = []
    for z in range(10):
        f = 1 - ((z - cz) / rz) ** 2
        if f > 0.05:
            m = ellipse(96, 128, cy, cx, ry * np.sqrt(f), rx * np.sqrt(f))
            vol[z][m] = v + rng.normal(0, 4, m.sum())
            zs.append(z)
    boxes3d.append([cx - rx - 3, cy - ry - 3, min(zs), cx + rx + 3, cy + ry + 3, max(zs)])
vol = np.clip(vol, 0, 255).astype(np.uint8)

np.savez_compressed(os.path.join(here, "2D_syn_small.npz"), imgs=rgb, boxes=boxes2d)
np.savez_compressed(os.path.join(here, "3D_syn_small.npz"), imgs=vol, boxes=np.array(boxes3d, np.int64),
                    spacing=np.array([3.0, 1.0, 1.0]))
with tempfile.TemporaryDirectory() as tmp:
    cases, segs = os.path.join(tmp, "cases"), os.path.join(tmp, "segs")
    os.makedirs(cases)
    for name in ["2D_syn_small.npz", "3D_syn_small.npz"]:
        shutil.copy(os.path.join(here, name), cases)
    subprocess.run([sys.executable, os.path.join(root, "scripts/reference/run_reference_infer.py"),
                    "--medsam-repo", args.medsam_repo, "--checkpoint", args.checkpoint,
                    "--input", cases, "--output", segs], check=True)
    for name in ["2D_syn_small", "3D_syn_small"]:
        shutil.copy(os.path.join(segs, name + ".npz"), os.path.join(here, name + ".reference.npz"))
print("boxes 3D:", boxes3d)
