#!/usr/bin/env python3
"""Writes the small MultiRaterData test fixtures (run from this folder: python3 make_fixtures.py).

Everything is synthetic (numpy, seeded); expected.json records what the Swift readers must return.
"""
import gzip, io, json, pickle, struct
import numpy as np

rng = np.random.default_rng(5)
H, W = 6, 5
expected = {}

def bits(m):
    return "".join("1" if v else "0" for v in np.asarray(m).ravel())

# 1. data_lidc.pickle layout, written by Python's own pickle (protocol 4) with numpy arrays.
d = {}
for i, k in enumerate(["case_b", "case_a", "case_c"]):
    img = rng.integers(0, 255, (H, W)).astype(np.uint8) if i != 1 else rng.normal(size=(H, W)).astype(np.float32)
    masks = [(rng.random((H, W)) < 0.4).astype(np.uint8) for _ in range(2 + i)]
    masks[0][:] = 0 if i == 2 else masks[0]           # an empty rater mask is legitimate
    d[k] = {"image": img, "masks": masks, "series_uid": "series-%d" % (i % 2), "alpha": img}
with open("tiny_lidc.pickle", "wb") as f:
    pickle.dump(d, f, protocol=4)
expected["pickle"] = {k: {"image": np.asarray(v["image"], np.float64).ravel().tolist(),
                          "masks": [bits(m) for m in v["masks"]], "series_uid": v["series_uid"]} for k, v in d.items()}
with open("bad_not_arrays.pickle", "wb") as f:
    pickle.dump({"x": {"image": np.zeros((2, 2), np.uint8), "masks": [[[0, 1], [1, 0]]]}}, f, protocol=4)
with open("bad_no_raters.pickle", "wb") as f:
    pickle.dump({"x": {"image": np.zeros((2, 2), np.uint8), "masks": []}}, f, protocol=4)

# 2. .npz with images (N,H,W) int16 and masks (N,K,H,W) 0/255, case ids and patient ids.
N, K = 4, 3
images = rng.integers(-1000, 400, (N, H, W)).astype(np.int16)
masks = (rng.random((N, K, H, W)) < 0.3).astype(np.uint8) * 255
masks[1, 2] = 0
np.savez_compressed("tiny.npz", images=images, masks=masks, case_ids=np.array(["c0", "c1", "c2", "c3"]),
                    patient_id=np.array(["p0", "p0", "p1", "p2"]))
expected["npz"] = {"images": images.astype(np.float64).ravel().tolist(),
                   "masks": [[bits(masks[n, k]) for k in range(K)] for n in range(N)]}
# packbits along the last axis with a shape entry; W2 = 12 is not a multiple of 8, W3 = 16 is.
for name, w in [("packed12", 12), ("packed16", 16)]:
    m = (rng.random((3, 2, 7, w)) < 0.5).astype(np.uint8)
    np.savez(name + ".npz", masks=np.packbits(m, axis=-1), shape=np.array(m.shape, np.int64))
    expected[name] = [[bits(m[n, k]) for k in range(2)] for n in range(3)]
bad = masks.copy(); bad[2, 1, 3, 3] = 2
np.savez("nonbinary.npz", images=images, masks=bad)
nan_images = images.astype(np.float32); nan_images[3, 1, 1] = np.nan
np.savez("nan_image.npz", images=nan_images, masks=masks)
np.savez("mismatched.npz", images=images[:, :, :4], masks=masks)
raw = open("tiny.npz", "rb").read()
open("truncated.npz", "wb").write(raw[: len(raw) // 2])

# 3. NIfTI-1 BraTS-like case: T1 (x=8, y=6, z=4) int16 and labels uint8 {0,1,2,4}.
def nifti(vol, code, bitpix):
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    dims = [3, *vol.shape, 1, 1, 1, 1]
    struct.pack_into("<8h", hdr, 40, *dims)
    struct.pack_into("<hh", hdr, 70, code, bitpix)
    struct.pack_into("<8f", hdr, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<f", hdr, 108, 352.0)
    struct.pack_into("<ff", hdr, 112, 1.0, 0.0)
    hdr[344:348] = b"n+1\0"
    return bytes(hdr) + b"\0" * 4 + vol.tobytes(order="F")

t1 = rng.integers(0, 900, (8, 6, 4)).astype(np.int16)
seg = np.zeros((8, 6, 4), np.uint8)
seg[2:5, 1:4, 1] = 2; seg[3, 2, 1] = 1; seg[4, 3, 1] = 4        # slice 1: all three labels
seg[1:3, 1:3, 2] = 4                                             # slice 2: only ET -> NET empty
import os
os.makedirs("brats/Case_001", exist_ok=True)
open("brats/Case_001/Case_001_t1.nii.gz", "wb").write(gzip.compress(nifti(t1, 4, 16)))
open("brats/Case_001/Case_001_seg.nii", "wb").write(nifti(seg, 2, 8))
expected["brats"] = {"slices": {str(z): {"t1": t1[:, :, z].T.astype(np.float64).ravel().tolist(),
                                         "raters": [bits(np.isin(seg[:, :, z].T, s)) for s in ([1], [1, 2], [1, 2, 4])]}
                                for z in range(4)}}
full = gzip.compress(nifti(t1, 4, 16))
open("truncated.nii.gz", "wb").write(full[: len(full) - 40])

json.dump(expected, open("expected.json", "w"))
print("fixtures written")
