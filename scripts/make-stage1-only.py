#!/usr/bin/env python3
"""Ablation helper: turn a sparse P²SAM stage-2 model into its 'stage 1 only' equivalent.

The PGN head is zeroed with μ-bias 0 and log σ-bias -10, so every sample is z ≈ 0: exactly the zero
token the sparse stage-1 decoder was trained with (docs/p2sam-model.md). stdlib only.
Usage: python3 scripts/make-stage1-only.py IN.safetensors OUT.safetensors
"""
import json, struct, sys

src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
assert header["__metadata__"].get("injection") == "sparse", "only sparse models have a stage-1 equivalent"
body = bytearray(data[8 + n:])
def fill(name, values):
    begin, end = header[name]["data_offsets"]
    assert (end - begin) == 4 * len(values), name
    body[begin:end] = struct.pack(f"<{len(values)}f", *values)
count = lambda name: (header[name]["data_offsets"][1] - header[name]["data_offsets"][0]) // 4
fill("pgn.head.weight", [0.0] * count("pgn.head.weight"))
fill("pgn.head.bias", [0.0] * 256 + [-10.0] * 256)
header["__metadata__"]["notes"] = "stage-1-only ablation of " + src.split("/")[-1] + ": PGN head zeroed (z = 0)"
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + bytes(body))
