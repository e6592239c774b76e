#!/usr/bin/env python3
"""Reference fixtures for MedImageIOTests.

Run in a throwaway virtualenv (never at test time):
    python3 -m venv /tmp/venv-img
    /tmp/venv-img/bin/pip install opencv-python-headless numpy torch
    /tmp/venv-img/bin/python make_fixtures.py

Outputs (written next to this script):
  area_<H>x<W>x<C>.u8       cv2.resize(src, (neww, newh), INTER_AREA), uint8 HWC, for the
                            deterministic source `source_u8(H, W, C)` (recomputed by the tests).
  bilinear_220x300.f32      torch F.interpolate(bilinear, align_corners=False) of the logits
                            field `logits_field()` (2,256,256) cropped to [:188,:256] -> (2,220,300).
  png_*.png                 hand-written PNGs (zlib + struct only) for the PNG reader tests.
"""
import os, struct, zlib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def source_u8(h, w, c):
    """Deterministic pseudo-random test image, exactly reproducible in Swift (integer maths)."""
    y, x, k = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    v = (x * x * 3 + y * 7 + x * y + k * 85 + (y * y) // 5) % 256
    return v.astype(np.uint8)


def target_size(h, w, long_side=256):
    scale = long_side * 1.0 / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


AREA_CASES = [(100, 130, 3), (128, 128, 3), (220, 300, 3), (811, 1024, 3), (300, 220, 3),
              (60, 90, 3), (60, 90, 1), (811, 1024, 1), (512, 384, 3), (97, 61, 1),
              (97, 61, 3), (150, 101, 1), (40, 7, 1), (255, 250, 1)]


def logits_field():
    """(2,256,256) float32 smooth field with both signs; the Swift test recomputes it."""
    yy, xx = np.meshgrid(np.arange(256, dtype=np.float64), np.arange(256, dtype=np.float64), indexing="ij")
    f0 = 6.0 * np.sin(xx * 0.05) * np.cos(yy * 0.07) + 0.01 * xx - 1.0
    f1 = 4.0 * np.cos((xx + 2.0 * yy) * 0.031) - 0.5
    return np.stack([f0, f1]).astype(np.float32)


def png_chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path, width, height, bit_depth, colour_type, rows, extra_chunks=()):
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 on every row
    data = b"\x89PNG\r\n\x1a\n"
    data += png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))
    for tag, payload in extra_chunks:
        data += png_chunk(tag, payload)
    data += png_chunk(b"IDAT", zlib.compress(raw, 9))
    data += png_chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def make_pngs():
    # 16-bit grey, 5x2: exact raw values must survive.
    vals = [[0, 1, 1000, 40000, 65535], [65535, 40000, 1000, 1, 0]]
    write_png(f"{HERE}/png_grey16.png", 5, 2, 16, 0, [struct.pack(">5H", *r) for r in vals])
    # 16-bit grey + alpha (alpha 65535 everywhere except one pixel with alpha 32768).
    ga = [[(0, 65535), (1, 65535), (1000, 65535), (40000, 32768), (65535, 65535)]]
    write_png(f"{HERE}/png_ga16.png", 5, 1, 16, 4, [b"".join(struct.pack(">HH", *p) for p in r) for r in ga])
    # 16-bit RGB, 2x1.
    write_png(f"{HERE}/png_rgb16.png", 2, 1, 16, 2, [struct.pack(">6H", 0, 1, 1000, 40000, 65535, 12345)])
    # 8-bit grey + alpha: colour values must not be premultiplied.
    write_png(f"{HERE}/png_ga8.png", 3, 1, 8, 4, [bytes([200, 255, 200, 128, 200, 0])])
    # 8-bit RGBA, 2x1: (10,20,30,255), (200,100,50,64).
    write_png(f"{HERE}/png_rgba8.png", 2, 1, 8, 6, [bytes([10, 20, 30, 255, 200, 100, 50, 64])])
    # 8-bit palette with tRNS, 3x1: entries red, green (alpha 0), blue (alpha 128).
    plte = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
    write_png(f"{HERE}/png_palette.png", 3, 1, 8, 3, [bytes([0, 1, 2])],
              extra_chunks=[(b"PLTE", plte), (b"tRNS", bytes([255, 0, 128]))])
    # 8-bit grey, 4x1.
    write_png(f"{HERE}/png_grey8.png", 4, 1, 8, 0, [bytes([0, 1, 128, 255])])
    # 9000x1 8-bit grey: above the 8192 px limit.
    write_png(f"{HERE}/png_too_wide.png", 9000, 1, 8, 0, [bytes(9000)])


def main():
    import cv2
    for h, w, c in AREA_CASES:
        src = source_u8(h, w, c)
        nh, nw = target_size(h, w)
        img = src if c == 3 else src[..., 0]
        out = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA)
        assert out.shape[:2] == (nh, nw)
        out.astype(np.uint8).tofile(f"{HERE}/area_{h}x{w}x{c}.u8")
        print("area", h, w, c, "->", nh, nw)
    import torch
    import torch.nn.functional as F
    logits = torch.from_numpy(logits_field())[None]  # (1,2,256,256)
    post = F.interpolate(logits[..., :188, :256], size=(220, 300), mode="bilinear", align_corners=False)
    post[0].numpy().astype("<f4").tofile(f"{HERE}/bilinear_220x300.f32")
    make_pngs()
    print("cv2", cv2.__version__, "torch", torch.__version__)


if __name__ == "__main__":
    main()
