#!/usr/bin/env python3
"""Hostile PNGs for HostileImageTests (issue 16); standard library only.

png_palette_bad_index.png: 4x4 palette image whose PLTE has 2 entries while row pixels use index 5.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(name, width, height, colour_type, rows, palette=None, depth=8):
    raw = b"".join(b"\x00" + row for row in rows)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0))
    if palette:
        data += chunk(b"PLTE", palette)
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    png("png_palette_bad_index.png", 4, 4, 3, [bytes([0, 1, 5, 0])] * 4, palette=bytes([10, 20, 30, 200, 100, 50]))
