import FuzzSupport
import TorchCheckpoint

// `.npy`: numeric and string arrays.
FuzzDriver.run { bytes in
    bytes.withUnsafeBytes { raw in
        if let array = try? NPY.read(raw, source: "fuzz.npy") { _ = array.floats() }
        _ = try? NPY.readStrings(raw, source: "fuzz.npy")
    }
}
