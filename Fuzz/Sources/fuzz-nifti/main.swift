import FuzzSupport
import MultiRaterData

// NIfTI-1, raw and gzip-compressed (detected by magic), with a 64 MiB inflation limit.
FuzzDriver.run { bytes in
    _ = try? NIfTIVolume(fileBytes: bytes, path: "fuzz.nii", maxDecompressedBytes: 64 << 20)
}
