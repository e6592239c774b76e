import FuzzSupport
import TorchCheckpoint

// safetensors model files (header JSON, offsets, F32 data), refusing non-finite values as models do.
FuzzDriver.run { bytes in
    _ = try? Safetensors.decode(bytes, rejectingNonFinite: true)
}
