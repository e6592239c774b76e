#!/usr/bin/env python3
"""Latent temperature: copy a stage-2 P²SAM model with metadata `latent_temperature` multiplied by TAU.

The sampler draws z = μ + τ·σ·ε with σ = exp(clamp(log σ, -10, 5)) from the PGN and τ the file's
`latent_temperature` (1 when absent; docs/p2sam-model.md). τ acts after the clamp, so TAU < 1 pulls the samples
towards the model's mean mask (z = μ) even for a PGN whose log σ sits at the ceiling (shifting the head's bias
would not). The tensors are copied byte for byte; only the header changes. Choose TAU on validation data (e.g.
the TAU whose validation sample diversity is nearest the raters'), never on the test split. stdlib only.
The CLI does the same without Python, setting τ rather than multiplying it:
`p2sam set-temperature --model IN.safetensors --latent-temperature TAU --output OUT.safetensors`.
Usage: python3 scripts/scale-latent-deviation.py IN.safetensors OUT.safetensors TAU
"""
import json, math, os, struct, sys

if len(sys.argv) != 4:
    sys.exit("usage: scale-latent-deviation.py IN.safetensors OUT.safetensors TAU")
src, dst = sys.argv[1], sys.argv[2]
try:
    tau = float(sys.argv[3])
except ValueError:
    sys.exit(f"TAU must be a number, not {sys.argv[3]!r}")
if not (tau > 0 and math.isfinite(tau)):
    sys.exit(f"TAU must be a positive finite number, not {tau}")
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
meta = header.setdefault("__metadata__", {})
if meta.get("format") != "p2sam-v1" or "pgn.head.bias" not in header:
    sys.exit(f"{src} is not a stage-2 P²SAM model (format p2sam-v1 with a PGN)")
old = float(meta.get("latent_temperature", "1"))
new = old * tau
meta["latent_temperature"] = repr(new)
note = f"latent temperature {new:g} (scripts/scale-latent-deviation.py)"
meta["notes"] = "; ".join(x for x in (meta.get("notes", ""), note) if x)
text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
text += b" " * ((8 - len(text) % 8) % 8)
tmp = dst + ".tmp"
with open(tmp, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data[8 + n:])
os.replace(tmp, dst)
