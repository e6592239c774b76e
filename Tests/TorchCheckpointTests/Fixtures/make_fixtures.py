#!/usr/bin/env python3
"""Writes the tiny TorchCheckpoint test fixtures into this folder.

Needs only the Python standard library and numpy (no torch). Run from anywhere:
    python3 Tests/TorchCheckpointTests/Fixtures/make_fixtures.py
Outputs are deterministic except for zip timestamps, which are fixed.
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(HERE, name)


# ---------------------------------------------------------------- .npy / .npz
def write_npy():
    np.save(out("f32.npy"), np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype="<f4"))
    np.save(out("u8.npy"), np.arange(6, dtype=np.uint8).reshape(2, 3) * 40)
    np.save(out("bool.npy"), np.array([True, False, True, True]))
    np.save(out("i16.npy"), np.array([-32768, -1, 0, 1, 32767], dtype="<i2"))
    np.save(out("f64_big.npy"), np.array([1.0, -2.5, 1e300], dtype=">f8"))
    np.save(out("i32_big.npy"), np.array([[1, -2], [70000, -70000]], dtype=">i4"))
    np.save(out("f16.npy"), np.array([1.0, -0.5, 65504.0, 6e-8], dtype="<f2"))
    fortran = np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4))
    assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
    np.save(out("i32_fortran.npy"), fortran)
    np.save(out("scalar_f32.npy"), np.float32(42.5))
    np.save(out("strings_u.npy"), np.array(["case01", "ü-ß", "x"]))
    np.save(out("strings_s.npy"), np.array([b"ab", b"cde"]))
    np.save(out("nan.npy"), np.array([1.0, np.nan], dtype="<f4"))
    np.save(out("object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    # Version 2.0 header (4-byte header length).
    with open(out("v2.npy"), "wb") as f:
        np.lib.format.write_array(f, np.array([7, 8, 9], dtype="<u2"), version=(2, 0))


def npz_arrays():
    return {
        "image": np.arange(12, dtype=np.float32).reshape(3, 4) / 4,
        "mask": (np.arange(12).reshape(3, 4) % 3 == 0),
        "labels": np.array([3, 1, 2], dtype="<i2"),
        "case_ids": np.array(["case01", "case02", "case03"]),
        "big": np.array([1.0, 2.0], dtype=">f4"),
    }


def write_npz():
    np.savez(out("stored.npz"), **npz_arrays())
    np.savez_compressed(out("compressed.npz"), **npz_arrays())


# ---------------------------------------------------------------- raw zips
def write_zip64():
    """One stored member whose central directory uses ZIP64 extras and a ZIP64 end record."""
    import binascii
    name = b"hello.txt"
    data = b"hello zip64"
    crc = binascii.crc32(data)
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, len(data), len(data), len(name), 0)
    local += name + data
    extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc,
                          0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0, 0xFFFFFFFF)
    central += name + extra
    cd_offset = len(local)
    zip64_eocd_offset = cd_offset + len(central)
    zip64_eocd = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, zip64_eocd_offset, 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    blob = local + central + zip64_eocd + locator + eocd
    with open(out("zip64.zip"), "wb") as f:
        f.write(blob)
    with zipfile.ZipFile(out("zip64.zip")) as z:  # sanity check with the stdlib reader
        assert z.read("hello.txt") == data


def write_bad_crc():
    """A stored and a deflated member whose central-directory crc32 is wrong."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("stored.txt", date_time=(2024, 1, 1, 0, 0, 0)), b"stored text " * 4)
        info = zipfile.ZipInfo("deflated.txt", date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, b"deflated text " * 20)
    blob = bytearray(buf.getvalue())
    position = 0
    while True:
        position = blob.find(b"PK\x01\x02", position)
        if position < 0:
            break
        blob[position + 16] ^= 0xFF
        position += 4
    with open(out("bad_crc.zip"), "wb") as f:
        f.write(bytes(blob))


# ---------------------------------------------------------------- numpy pickles
def write_numpy_pickles():
    tree = {
        "u8": np.array([[0, 1], [254, 255]], dtype=np.uint8),
        "f32": np.array([1.5, -2.0, 3.0], dtype="<f4"),
        "i64": np.array([-5, 2**40], dtype="<i8"),
        "f64_big": np.array([0.25, -8.0], dtype=">f8"),
        "name": "sample",
        "masks": [np.zeros((2, 2), dtype=np.uint8), np.ones((2, 2), dtype=np.uint8)],
        "ratio": 0.5,
        "n": 3,
        "fortran_i16": np.asfortranarray(np.arange(6, dtype="<i2").reshape(2, 3)),
    }
    for protocol in (2, 4):
        with open(out(f"arrays_p{protocol}.pkl"), "wb") as f:
            pickle.dump(tree, f, protocol=protocol)


# ---------------------------------------------------------------- fake .pth
def install_fake_torch():
    """Stand-in modules so pickle writes GLOBALs named like real torch ones."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    for name in ("FloatStorage", "LongStorage", "BFloat16Storage", "DoubleStorage"):
        cls = type(name, (), {})
        cls.__module__ = "torch"
        setattr(torch, name, cls)
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return torch


class Storage:
    def __init__(self, key, storage_type, numel):
        self.key, self.storage_type, self.numel = key, storage_type, numel


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
        return None


def write_pth(name, root, tensors, storages, extra_members=True, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(tensors)
    with zipfile.ZipFile(out(name), "w", compression=compression) as z:
        def add(member, data):
            info = zipfile.ZipInfo(f"{root}/{member}", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
        add("data.pkl", buf.getvalue())
        if extra_members:
            add("byteorder", b"little")
        for key, data in storages.items():
            add(f"data/{key}", data)
        if extra_members:
            add("version", b"3\n")


def write_fake_pth():
    torch = install_fake_torch()
    weights = np.arange(10, dtype="<f4") * 0.5 - 1.0   # storage 0: 10 floats
    longs = np.array([7, -3], dtype="<i8")              # storage 1: 2 int64
    s0 = Storage("0", torch.FloatStorage, 10)
    s1 = Storage("1", torch.LongStorage, 2)
    state = collections.OrderedDict()
    state["layer.weight"] = Tensor(s0, 0, (2, 3), (3, 1))
    state["layer.bias"] = Tensor(s0, 6, (4,), (1,))      # shares storage 0 at an offset
    state["bn.num_batches_tracked"] = Tensor(s1, 1, (), ())
    storages = {"0": weights.tobytes(), "1": longs.tobytes()}
    write_pth("tiny_state.zip", "tiny", state, storages)
    # The same checkpoint re-zipped with deflate (every member compressed, byteorder and version too).
    write_pth("tiny_state_deflated.zip", "tiny", state, storages, compression=zipfile.ZIP_DEFLATED)

    # Bad variants, one problem each.
    bad = collections.OrderedDict(w=Tensor(s0, 4, (2, 4), (4, 1)))   # needs 12 floats, storage has 10
    write_pth("bad_extent.zip", "bad", bad, storages)
    bad = collections.OrderedDict(w=Tensor(s0, 0, (3, 2), (1, 3)))   # transposed (non-contiguous)
    write_pth("bad_stride.zip", "bad", bad, storages)
    bf = Storage("0", torch.BFloat16Storage, 10)
    bad = collections.OrderedDict(w=Tensor(bf, 0, (2,), (1,)))
    write_pth("bad_storage_type.zip", "bad", bad, storages)
    short = Storage("0", torch.FloatStorage, 10)
    bad = collections.OrderedDict(w=Tensor(short, 0, (10,), (1,)))
    write_pth("bad_short_storage.zip", "bad", bad, {"0": weights.tobytes()[:20]})
    bad = collections.OrderedDict(w=Tensor(s0, 0, (2,), (1,)))
    write_pth("bad_missing_storage.zip", "bad", bad, {"1": longs.tobytes()})


def main():
    write_npy()
    write_npz()
    write_numpy_pickles()
    write_zip64()
    write_bad_crc()
    write_fake_pth()
    # Make the zip timestamps of np.savez deterministic is not needed: tests do not compare bytes.
    total = sum(os.path.getsize(out(f)) for f in os.listdir(HERE))
    print(f"fixtures written to {HERE} ({total} bytes)")


if __name__ == "__main__":
    main()
