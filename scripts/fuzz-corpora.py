#!/usr/bin/env python3
"""Writes the fuzzing seed corpora (Fuzz/Corpus/<harness>/) and the issue-16 regression inputs
(Fuzz/Regressions/<harness>/) from the project's own test fixtures plus a few generated files.

Standard library only; run from anywhere: python3 scripts/fuzz-corpora.py. The output is small and
committed; scripts/fuzz.sh replays it (--replay) and fuzzes from it.
"""
import glob
import gzip
import json
import os
import shutil
import struct
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "Fuzz")
TC = os.path.join(ROOT, "Tests", "TorchCheckpointTests", "Fixtures")
MI = os.path.join(ROOT, "Tests", "MedImageIOTests", "Fixtures")
MRD = os.path.join(ROOT, "Tests", "MultiRaterDataTests", "Fixtures")


def folder(kind, harness):
    path = os.path.join(FUZZ, kind, harness)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def copy(patterns, target):
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            if os.path.getsize(path) <= 64 * 1024:
                shutil.copy(path, os.path.join(target, os.path.basename(path)))


def write(target, name, data):
    with open(os.path.join(target, name), "wb") as f:
        f.write(data)


def png(width, height, rows, colour_type=0, palette=None):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
    if palette:
        data += chunk(b"PLTE", palette)
    raw = b"".join(b"\x00" + row for row in rows)
    return data + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, shape, values in tensors:
        begin = len(data)
        data += struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [begin, len(data)]}
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    # PNG decoding and preprocessing.
    corpus = folder("Corpus", "png")
    copy([os.path.join(MI, "png_*.png")], corpus)
    regressions = folder("Regressions", "png")
    copy([os.path.join(MI, "png_palette_bad_index.png")], regressions)
    write(regressions, "strip_2049x1.png", png(2049, 1, [bytes(i % 251 for i in range(2049))]))
    write(regressions, "strip_1x2049.png", png(1, 2049, [bytes([i % 251]) for i in range(2049)]))
    write(regressions, "strip_8192x2.png", png(8192, 2, [bytes(i % 251 for i in range(8192))] * 2))

    # .pth checkpoints (zip + pickle + tensors).
    corpus = folder("Corpus", "pth")
    copy([os.path.join(TC, "*.zip")], corpus)
    regressions = folder("Regressions", "pth")
    copy([os.path.join(TC, "tiny_state_deflated.zip")], regressions)

    # Restricted pickle VM: the checkpoint's data.pkl and the data_lidc.pickle layout.
    corpus = folder("Corpus", "pickle")
    copy([os.path.join(TC, "*.pkl"), os.path.join(MRD, "*.pickle")], corpus)
    with zipfile.ZipFile(os.path.join(TC, "tiny_state.zip")) as z:
        write(corpus, "tiny_state_data.pkl", z.read("tiny/data.pkl"))
    folder("Regressions", "pickle")

    # .npy arrays.
    corpus = folder("Corpus", "npy")
    copy([os.path.join(TC, "*.npy")], corpus)
    folder("Regressions", "npy")

    # .npz archives and the multi-rater .npz layout.
    corpus = folder("Corpus", "npz")
    copy([os.path.join(TC, "*.npz"), os.path.join(MRD, "*.npz")], corpus)
    for name in ("empty_cases.npz", "bomb.npz"):
        os.remove(os.path.join(corpus, name))
    regressions = folder("Regressions", "npz")
    copy([os.path.join(MRD, "empty_cases.npz"), os.path.join(MRD, "bomb.npz")], regressions)

    # NIfTI, raw and gzip.
    corpus = folder("Corpus", "nifti")
    copy([os.path.join(MRD, "brats", "*", "*.nii*"), os.path.join(MRD, "truncated.nii.gz")], corpus)
    regressions = folder("Regressions", "nifti")
    copy([os.path.join(MRD, "bomb.nii.gz")], regressions)
    with open(os.path.join(MRD, "brats", "Case_001", "Case_001_seg.nii"), "rb") as f:
        seg = bytearray(f.read())
    for label, value in (("nan", float("nan")), ("inf", float("inf")), ("huge", 1e19)):
        struct.pack_into("<f", seg, 108, value)
        write(regressions, "vox_offset_%s.nii" % label, bytes(seg))
        write(regressions, "vox_offset_%s.nii.gz" % label, gzip.compress(bytes(seg), mtime=0))

    # safetensors model files.
    corpus = folder("Corpus", "safetensors")
    write(corpus, "small.safetensors", safetensors(
        [("decoder.weight", [2, 3], [0.5, -1.25, 2.0, 3.5, -0.0, 1e-3]), ("decoder.bias", [3], [1.0, 2.0, -3.0]),
         ("scale", [], [0.125])], {"format": "p2sam-v1", "stage": "2"}))
    write(corpus, "empty.safetensors", safetensors([]))
    regressions = folder("Regressions", "safetensors")
    write(regressions, "nan.safetensors", safetensors([("pgn.head.weight", [2], [float("nan"), 1.0])]))
    # evaluate / score JSON reports as `p2sam compare` reads them.
    corpus = folder("Corpus", "report")

    def case(ged, **extra):
        fields = {"ged": ged, "hm_iou": 0.5, "d_max": 0.7, "d_mean": 0.6, "sample_diversity": 0.2,
                  "rater_diversity": 0.3, "n": 16, "m": 4, "hm_iou_convention": "standard",
                  "d_max_convention": "per-rater"}
        fields.update(extra)
        return fields
    both = {"hm_iou_standard": 0.5, "hm_iou_p2sam": 0.6, "d_max_per_rater": 0.7, "d_max_global": 0.8, "dice": 0.9,
            "iou": 0.8, "box_iou": 1, "empty_sample_fraction": 0, "empty_rater_fraction": 0.25}
    write(corpus, "evaluate.json", json.dumps({"method": "p2sam", "dataset": "synthetic:4", "split": "test",
                                                "cases": {"a": case(0.3, **both), "b": case(0.4, **both)}}).encode())
    write(corpus, "score.json", json.dumps({"mean": case(0.35), "cases": {"a": case(0.3), "b": case(0.4)}}).encode())
    write(corpus, "conventions.json", json.dumps(
        {"cases": {"a": case(0.3, hm_iou_convention="p2sam", d_max_convention="global")}}).encode())
    write(corpus, "multiclass.json", json.dumps({
        "method": "class-box", "dataset": "labels:acdc", "slices": 1, "mean_dice": 0.5, "mean_nsd": 0.6,
        "classes": [{"id": 1, "name": "RV", "n": 1, "dice": 0.5, "nsd": 0.6, "absent": 1, "absent_with_prediction": 0}],
        "cases": [{"case_id": "s1", "class_id": 1, "present": True, "dice": 0.5, "nsd": 0.6, "predicted_pixels": 9},
                  {"case_id": "s1", "class_id": 2, "present": False, "dice": 0, "nsd": 0, "predicted_pixels": 0}]}).encode())
    write(corpus, "not-a-report.json", b'{"format": "p2sam-v1", "cases": [1, 2]}')
    print("corpora written to %s" % FUZZ)


if __name__ == "__main__":
    main()
