import FuzzSupport
import MultiRaterData

// NIfTI-1, raw and gzip-compressed (detected by magic), with a 1 MiB inflation limit (the limit is what is under test; a small one keeps runs fast).
FuzzDriver.run { bytes in
    _ = try? NIfTIVolume(fileBytes: bytes, path: "fuzz.nii", maxDecompressedBytes: 1 << 20)
}
