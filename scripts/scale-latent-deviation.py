#!/usr/bin/env python3
"""Latent temperature: copy a stage-2 P²SAM model with the PGN's standard deviation scaled by TAU.

The PGN's head outputs [μ (256), log σ (256)]; σ = exp(clamp(log σ, -10, 5)) (PromptGenerationNetwork).
Adding log TAU to the log σ half of `pgn.head.bias` makes every sample z = μ + TAU·σ·ε (exact unless the
clamp binds), so TAU < 1 pulls a model's samples towards its mean mask and TAU > 1 spreads them. The mean μ,
the decoder and every other tensor are copied byte for byte. Choose TAU on validation data (e.g. the TAU
whose validation sample diversity is nearest the raters'), never on the test split. stdlib only.
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
entry = header.get("pgn.head.bias")
if entry is None:
    sys.exit(f"{src} has no pgn.head.bias: not a stage-2 P²SAM model")
if entry.get("dtype") != "F32":
    sys.exit(f"pgn.head.bias of {src} is {entry.get('dtype')}, expected F32")
body = bytearray(data[8 + n:])
begin, end = entry["data_offsets"]
count = (end - begin) // 4
if count % 2:
    sys.exit(f"pgn.head.bias of {src} has {count} values, expected [μ, log σ] halves")
values = list(struct.unpack(f"<{count}f", body[begin:end]))
half = count // 2
values[half:] = [v + math.log(tau) for v in values[half:]]
body[begin:end] = struct.pack(f"<{count}f", *values)
meta = header.setdefault("__metadata__", {})
note = f"latent temperature {tau:g} (PGN sigma x {tau:g}, scripts/scale-latent-deviation.py)"
meta["notes"] = "; ".join(x for x in (meta.get("notes", ""), note) if x)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
tmp = dst + ".tmp"
with open(tmp, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + bytes(body))
os.replace(tmp, dst)
