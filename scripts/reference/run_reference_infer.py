#!/usr/bin/env python3
"""Runs the reference LiteMedSAM challenge inference (`CVPR24_LiteMedSAM_infer.py`, LiteMedSAM
branch of bowang-lab/MedSAM) unchanged on a folder of cases, for comparison with `p2sam infer`.

    python3 run_reference_infer.py --medsam-repo DIR --checkpoint Models/lite_medsam.pth \
        --input CASES --output SEGS [--threads 2] [--keep-overlays]

The script is executed as `__main__` from its own checkout (its model code, `tiny_vit_sam.py` and
`segment_anything/`, is imported from there; nothing of it is copied into this project). Its
arguments: `-i CASES -o SEGS -lite_medsam_checkpoint_path CKPT -device cpu`. It always draws a
300-dpi overlay PNG per case (`--save_overlay` defaults to True); unless --keep-overlays is given the
matplotlib figure calls are stubbed out, so timings measure inference only. It writes `segs` as
uint8 and `efficiency.csv` (per-case seconds) into SEGS.

Needs: torch, numpy, opencv-python-headless, timm, matplotlib, pandas, tqdm.
"""
import argparse, os, runpy, sys

ap = argparse.ArgumentParser()
ap.add_argument("--medsam-repo", required=True)
ap.add_argument("--checkpoint", required=True)
ap.add_argument("--input", required=True)
ap.add_argument("--output", required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--keep-overlays", action="store_true")
args = ap.parse_args()

import torch  # noqa: E402

torch.set_num_threads(args.threads)
import matplotlib  # noqa: E402

matplotlib.use("Agg")
overlays = os.path.join(args.output, "overlay")
if not args.keep_overlays:
    from unittest import mock
    import matplotlib.pyplot as plt

    plt.subplots = lambda *a, **k: (mock.MagicMock(), [mock.MagicMock(), mock.MagicMock()])
    plt.savefig = lambda *a, **k: None
    plt.tight_layout = lambda *a, **k: None
    plt.close = lambda *a, **k: None
    import tempfile

    overlays = tempfile.mkdtemp(prefix="ref-overlay-")

script = os.path.join(os.path.abspath(args.medsam_repo), "CVPR24_LiteMedSAM_infer.py")
sys.path.insert(0, os.path.dirname(script))
sys.argv = [script, "-i", args.input, "-o", args.output, "-lite_medsam_checkpoint_path", args.checkpoint,
            "-device", "cpu", "-png_save_dir", overlays]
runpy.run_path(script, run_name="__main__")
