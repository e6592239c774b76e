import FuzzSupport
import TorchCheckpoint

// `.pth` zip + state-dict pickle + tensor records; every tensor's elements are read.
FuzzDriver.run { bytes in
    guard let archive = try? ZipArchive(file: MappedFile(copying: bytes, name: "fuzz.pth")),
        let state = try? TorchStateDict(archive: archive)
    else { return }
    for tensor in state.tensors {
        if tensor.dtype.isFloatingPoint { _ = try? tensor.floats() } else { _ = try? tensor.int64s() }
    }
}
