import FuzzSupport
import MultiRaterData
import TorchCheckpoint

// The restricted pickle VM twice: with the checkpoint's globals, and through NumPy's globals into
// the `data_lidc.pickle` dataset layout.
FuzzDriver.run { bytes in
    _ = try? PickleReader(allowedGlobals: TorchStateDict.allowedGlobals).read(bytes, source: "fuzz.pkl")
    _ = try? PickleDatasetReader.read(bytes: bytes, path: "fuzz.pickle")
}
