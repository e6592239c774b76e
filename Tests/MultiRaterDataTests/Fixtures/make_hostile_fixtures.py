#!/usr/bin/env python3
"""Hostile dataset files for HostileInputTests (issue 16); run from this folder.

- empty_cases.npz: 'masks' of shape (0, 2, 4, 4): an archive with no case.
- bomb.npz: one deflated 'masks' member of 4 MiB (2048x2048 zeros) in a few kilobytes.
- bomb.nii.gz: a 3-D uint8 NIfTI of 2048x2048x1 zeros (4 MiB) gzipped to a few kilobytes.
"""
import gzip
import struct
import numpy as np

np.savez("empty_cases.npz", masks=np.zeros((0, 2, 4, 4), np.uint8))
np.savez_compressed("bomb.npz", masks=np.zeros((1, 1, 2048, 2048), np.uint8))

header = bytearray(348)
struct.pack_into("<i", header, 0, 348)
struct.pack_into("<8h", header, 40, 3, 2048, 2048, 1, 1, 1, 1, 1)
struct.pack_into("<h", header, 70, 2)        # datatype uint8
struct.pack_into("<h", header, 72, 8)        # bitpix
struct.pack_into("<f", header, 108, 352.0)   # vox_offset
header[344:348] = b"n+1\0"
with gzip.open("bomb.nii.gz", "wb", compresslevel=9) as f:
    f.write(bytes(header) + bytes(4) + bytes(2048 * 2048))
