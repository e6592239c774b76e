#!/usr/bin/env python3
"""Writes a tiny safetensors file with only `json` + `struct` and prints its bytes as the Swift
literal `pythonSafetensorsBytes` (pasted into SafetensorsTests.swift).

Layout: 8-byte little-endian header length, JSON header padded with spaces to a multiple of 8,
then the little-endian float32 data. Python's default JSON separators (", " and ": ") and key
order (data first, metadata last) differ from the Swift writer on purpose.
"""
import json
import struct

tensors = [
    ("decoder.weight", [2, 3], [0.5, -1.25, 2.0, 3.5, -0.0, 1e-3]),
    ("decoder.bias", [3], [1.0, 2.0, -3.0]),
    ("scale", [], [0.125]),
]
header = {}
data = b""
for name, shape, values in tensors:
    begin = len(data)
    data += struct.pack("<%df" % len(values), *values)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [begin, len(data)]}
header["__metadata__"] = {"format": "pt", "step": "42"}
text = json.dumps(header).encode("utf-8")
text += b" " * ((8 - len(text) % 8) % 8)
blob = struct.pack("<Q", len(text)) + text + data

rows = [", ".join("0x%02x" % b for b in blob[i:i + 16]) for i in range(0, len(blob), 16)]
print("let pythonSafetensorsBytes: [UInt8] = [\n    " + ",\n    ".join(rows) + ",\n]")
