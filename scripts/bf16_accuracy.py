#!/usr/bin/env python3
"""What `--precision bf16` costs in accuracy against f32, on held-out real data.

    python3 scripts/bf16_accuracy.py --data /work/shared/data [--p2sam .build/release/p2sam] [--limit 24]

For the canonical validation splits of PH2 (IMD173-IMD254) and Shenzhen CXR (CHNCXR_0320_0-CHNCXR_0408_1),
the first LIMIT cases in index order: the box is the rater mask's bounding box; `p2sam segment` runs in f32
and in bf16 (same box, single-mask token) and writes mask and logits. Reports the logit error of bf16
against f32 (max and mean |Δ| in the 256x256 model frame), the output pixels that change, and the Dice
of each against the rater mask (a change of mean DSC above 0.005 is reported as a cost). The embedding
error (`p2sam embed`) is measured on the first EMBED cases. Needs numpy and Pillow.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SPLITS = {
    "ph2": ("IMD173", "IMD254"),
    "shenzhen-cxr": ("CHNCXR_0320_0", "CHNCXR_0408_1"),
}


def run(p2sam, *args):
    done = subprocess.run([p2sam, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, P2SAM_PROGRESS="never"))
    if done.returncode != 0:
        raise SystemExit(f"p2sam {' '.join(args)} failed:\n{done.stdout}")
    return done.stdout


def dice(a, b):
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else 2.0 * np.logical_and(a, b).sum() / total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--p2sam", default=".build/release/p2sam")
    parser.add_argument("--checkpoint", default="Models/lite_medsam.pth")
    parser.add_argument("--limit", type=int, default=24)
    parser.add_argument("--embed", type=int, default=6)
    parser.add_argument("--json")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="p2sam-bf16-")
    report = {"cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": "), "sets": {}}
    for name, (first, last) in SPLITS.items():
        folder = os.path.join(args.data, name)
        cases = [c for c in sorted(os.listdir(folder)) if first <= c <= last and os.path.isdir(os.path.join(folder, c))]
        cases = cases[: args.limit]
        rows = []
        for index, case in enumerate(cases):
            image = os.path.join(folder, case, "image.png")
            truth = np.array(Image.open(os.path.join(folder, case, "rater0.png"))) > 0
            if truth.ndim == 3:
                truth = truth[..., 0]
            ys, xs = np.nonzero(truth)
            if len(xs) == 0:
                continue
            box = f"{xs.min()},{ys.min()},{xs.max()},{ys.max()}"
            out = {}
            for precision in ("f32", "bf16"):
                mask = os.path.join(work, f"{name}-{case}-{precision}.png")
                logits = os.path.join(work, f"{name}-{case}-{precision}.npy")
                text = run(args.p2sam, "segment", "--image", image, "--box", box, "--output", mask, "--logits", logits,
                           "--checkpoint", args.checkpoint, "--precision", precision)
                if precision == "bf16" and "running in f32" in text:
                    raise SystemExit("this CPU has no AVX512-BF16: bf16 ran as f32, nothing to measure")
                out[precision] = (np.array(Image.open(mask)) > 0, np.load(logits))
            (m32, l32), (m16, l16) = out["f32"], out["bf16"]
            if m32.ndim == 3:
                m32, m16 = m32[..., 0], m16[..., 0]
            row = {
                "case": case,
                "logit_max_abs": float(np.abs(l16 - l32).max()),
                "logit_mean_abs": float(np.abs(l16 - l32).mean()),
                "changed_pixels": int((m32 != m16).sum()),
                "pixels": int(m32.size),
                "dsc_f32": float(dice(m32, truth)),
                "dsc_bf16": float(dice(m16, truth)),
            }
            if index < args.embed:
                emb = {}
                for precision in ("f32", "bf16"):
                    path = os.path.join(work, f"{name}-{case}-{precision}-emb.npy")
                    run(args.p2sam, "embed", "--image", image, "--output", path, "--checkpoint", args.checkpoint,
                        "--precision", precision)
                    emb[precision] = np.load(path)
                d = emb["bf16"] - emb["f32"]
                row["embedding_max_abs"] = float(np.abs(d).max())
                row["embedding_rel_rms"] = float(np.sqrt((d ** 2).mean() / (emb["f32"] ** 2).mean()))
            rows.append(row)
            print(f"{name} {case}: logits max |Δ| {row['logit_max_abs']:.4f}, changed px {row['changed_pixels']}, "
                  f"DSC {row['dsc_f32']:.4f} -> {row['dsc_bf16']:.4f}", flush=True)
        summary = {
            "n": len(rows),
            "split": f"val {first}-{last}, first {len(rows)} in index order",
            "logit_max_abs_max": max(r["logit_max_abs"] for r in rows),
            "logit_mean_abs_mean": statistics.mean(r["logit_mean_abs"] for r in rows),
            "changed_pixel_fraction": sum(r["changed_pixels"] for r in rows) / sum(r["pixels"] for r in rows),
            "cases_with_changed_pixels": sum(r["changed_pixels"] > 0 for r in rows),
            "dsc_f32_mean": statistics.mean(r["dsc_f32"] for r in rows),
            "dsc_bf16_mean": statistics.mean(r["dsc_bf16"] for r in rows),
        }
        summary["dsc_change"] = summary["dsc_bf16_mean"] - summary["dsc_f32_mean"]
        summary["cost"] = abs(summary["dsc_change"]) > 0.005
        embedded = [r for r in rows if "embedding_rel_rms" in r]
        if embedded:
            summary["embedding_n"] = len(embedded)
            summary["embedding_rel_rms_mean"] = statistics.mean(r["embedding_rel_rms"] for r in embedded)
            summary["embedding_max_abs_max"] = max(r["embedding_max_abs"] for r in embedded)
        report["sets"][name] = {"summary": summary, "cases": rows}
        print(json.dumps({name: summary}, indent=1), flush=True)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)


if __name__ == "__main__":
    sys.exit(main())
