#!/usr/bin/env python3
"""Makes CVPR 2024 "MedSAM on Laptop" challenge cases (.npz) to check `p2sam infer` against the
reference script. Nothing it writes is committed.

    python3 make_infer_cases.py OUT_DIR [--data /work/shared/data] [--p2sam .build/release/p2sam]

Cases (2D: imgs H x W x 3 uint8, boxes N x 4; 3D: name starts with "3D", imgs D x H x W uint8,
boxes N x 6 [x_min, y_min, z_min, x_max, y_max, z_max], spacing):
z_min and z_max are slice indices, both included (the reference's convention).
- 2D_bench_256: 256x256 synthetic image, 3 boxes (the benchmark case); 3D_bench_20: 20x256x256
  synthetic volume, 2 objects (the benchmark case).
- 2D_syn_rect: 300x420 synthetic RGB image, 2 boxes (one overlapping the other);
  3D_syn_rect: 16x180x240 volume, 3 objects (two overlapping), different middle slices.
- 2D_synthetic_<k>: cases of the project's synthetic generator (`p2sam data export --dataset
  synthetic:4`), one box per non-empty rater mask (+2 px), overlapping objects.
- 2D_lidc_<i>, 3D_lidc_0002: LIDC-IDRI CT (CC BY 3.0; Armato et al. 2011, TCIA) from
  DATA/lidc-real, lung window [-1000, 400] HU -> uint8; boxes from the union of rater masks (+2 px);
  the 3D case stacks the 28 consecutive slices of LIDC-IDRI-0002.
- 2D_acdc_<i>, 3D_acdc_patient003: ACDC cine-MR (local use only) with one box per class.
"""
import argparse, os, subprocess, tempfile
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--data", default="/work/shared/data")
ap.add_argument("--p2sam", default=None, help="p2sam binary, for the synthetic-generator cases")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
rng = np.random.default_rng(2024)


def save2d(name, img, boxes):
    img = np.asarray(img, np.uint8)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=-1)
    np.savez_compressed(os.path.join(args.out, name + ".npz"), imgs=img, boxes=np.asarray(boxes, np.int64))


def save3d(name, vol, boxes, spacing=(1.0, 1.0, 1.0)):
    np.savez_compressed(os.path.join(args.out, name + ".npz"), imgs=np.asarray(vol, np.uint8),
                        boxes=np.asarray(boxes, np.int64), spacing=np.asarray(spacing, np.float64))


def bbox(mask, pad=2):
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return [max(0, xs.min() - pad), max(0, ys.min() - pad), min(w, xs.max() + pad), min(h, ys.max() + pad)]


def smooth_texture(shape, scale=24.0):
    h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    t = 60 + 20 * np.sin(x / scale) * np.cos(y / (1.3 * scale)) + rng.normal(0, 6, shape)
    return t


def ellipse(shape, cy, cx, ry, rx):
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1


def synthetic_2d(h, w, blobs):
    img = smooth_texture((h, w))
    boxes = []
    for cy, cx, ry, rx, v in blobs:
        m = ellipse((h, w), cy, cx, ry, rx)
        img[m] = v + rng.normal(0, 5, m.sum())
        boxes.append(bbox(m, pad=4))
    return np.clip(img, 0, 255), boxes


def synthetic_3d(d, h, w, blobs):
    vol = np.stack([smooth_texture((h, w)) for _ in range(d)])
    boxes = []
    for cz, cy, cx, rz, ry, rx, v in blobs:
        zs = []
        for z in range(d):
            f = 1 - ((z - cz) / rz) ** 2
            if f <= 0.05:
                continue
            m = ellipse((h, w), cy, cx, ry * np.sqrt(f), rx * np.sqrt(f))
            vol[z][m] = v + rng.normal(0, 5, m.sum())
            zs.append(z)
        ext = [ellipse((h, w), cy, cx, ry, rx)]
        b = bbox(ext[0], pad=3)
        boxes.append([b[0], b[1], min(zs), b[2], b[3], max(zs)])
    return np.clip(vol, 0, 255), boxes


img, boxes = synthetic_2d(256, 256, [(80, 90, 30, 40, 200), (170, 170, 35, 25, 150), (190, 60, 18, 18, 230)])
save2d("2D_bench_256", img, boxes)
img, boxes = synthetic_2d(300, 420, [(140, 200, 60, 90, 190), (150, 230, 25, 30, 240)])
rgb = np.stack([img, 0.8 * img, np.clip(img + 20, 0, 255)], axis=-1)
save2d("2D_syn_rect", rgb, boxes)
vol, boxes = synthetic_3d(20, 256, 256, [(9, 100, 110, 8, 40, 50, 200), (11, 180, 170, 7, 30, 25, 160)])
save3d("3D_bench_20", vol, boxes, spacing=(2.5, 0.8, 0.8))
vol, boxes = synthetic_3d(16, 180, 240, [(5, 80, 90, 5, 35, 45, 210), (9, 100, 150, 6, 40, 40, 170),
                                          (10, 110, 160, 4, 15, 15, 240)])
save3d("3D_syn_rect", vol, boxes, spacing=(3.0, 1.0, 1.0))

# The project's synthetic generator, through the CLI's folder export.
if args.p2sam:
    import cv2
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.p2sam, "data", "export", "--dataset", "synthetic:4", "--output", tmp], check=True,
                       stdout=subprocess.DEVNULL)
        for k, case in enumerate(sorted(os.listdir(tmp))):
            folder = os.path.join(tmp, case)
            if not os.path.isdir(folder):
                continue
            img = cv2.imread(os.path.join(folder, "image.png"), cv2.IMREAD_UNCHANGED)
            masks = [cv2.imread(os.path.join(folder, f), cv2.IMREAD_UNCHANGED)
                     for f in sorted(os.listdir(folder)) if f.startswith("rater")]
            boxes = [bbox(m > 0) for m in masks if (m > 0).any()]
            if boxes:
                save2d(f"2D_synthetic_{k}", img, boxes)

# LIDC-IDRI (CC BY 3.0).
lidc = os.path.join(args.data, "lidc-real", "lidc_crops_128.npz")
if os.path.exists(lidc):
    d = np.load(lidc)
    hu = d["images"].astype(np.float64)
    u8 = np.clip((hu + 1000) / 1400 * 255, 0, 255).round().astype(np.uint8)
    masks = d["masks"].max(axis=1)
    for i in [0, 4, 20, 45, 60]:
        if masks[i].any():
            save2d(f"2D_lidc_{i:02d}", u8[i], [bbox(masks[i])])
    sel = np.nonzero(d["patient_id"] == "LIDC-IDRI-0002")[0]
    sel = sel[np.argsort(d["z_mm"][sel])]
    union = masks[sel].max(axis=0)
    zs = np.nonzero(masks[sel].reshape(len(sel), -1).any(axis=1))[0]
    b = bbox(union)
    save3d("3D_lidc_0002", u8[sel], [[b[0], b[1], max(0, zs.min() - 1), b[2], b[3], min(len(sel) - 1, zs.max() + 1)]],
           spacing=(1.25, 0.7, 0.7))

# ACDC (local use only): one box per class (1 RV, 2 myocardium, 3 LV).
acdc = os.path.join(args.data, "acdc", "train")
if os.path.isdir(acdc):
    import cv2
    for i, case in enumerate(["patient003_frame01_s5", "patient010_frame01_s4"]):
        folder = os.path.join(acdc, case)
        if not os.path.isdir(folder):
            continue
        img = cv2.imread(os.path.join(folder, "image.png"), cv2.IMREAD_GRAYSCALE)
        lab = cv2.imread(os.path.join(folder, "label.png"), cv2.IMREAD_UNCHANGED)
        boxes = [bbox(lab == c) for c in (1, 2, 3) if (lab == c).any()]
        save2d(f"2D_acdc_{i}", img, boxes)
    slices = sorted([c for c in os.listdir(acdc) if c.startswith("patient003_frame01_s")],
                    key=lambda c: int(c.rsplit("_s", 1)[1]))
    imgs = [cv2.imread(os.path.join(acdc, c, "image.png"), cv2.IMREAD_GRAYSCALE) for c in slices]
    labs = [cv2.imread(os.path.join(acdc, c, "label.png"), cv2.IMREAD_UNCHANGED) for c in slices]
    if imgs and all(x.shape == imgs[0].shape for x in imgs):
        vol, lab = np.stack(imgs), np.stack(labs)
        boxes = []
        for c in (1, 2, 3):
            zs = np.nonzero((lab == c).reshape(len(lab), -1).any(axis=1))[0]
            if len(zs):
                b = bbox((lab == c).max(axis=0))
                boxes.append([b[0], b[1], zs.min(), b[2], b[3], zs.max()])
        save3d("3D_acdc_patient003", vol, boxes, spacing=(10.0, 1.5, 1.5))
print("cases:", " ".join(sorted(os.listdir(args.out))))
