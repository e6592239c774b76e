import Foundation

/// Reads the Probabilistic U-Net `data_lidc.pickle` layout:
/// `{key: {'image': ndarray (H, W), 'masks': [ndarray (H, W), ...], 'series_uid': str}}`.
public enum PickleDatasetReader {
    public static func read(contentsOf url: URL) throws -> MultiRaterDataset {
        throw DataError.unsupported("\(url.path): pickle reading needs TorchCheckpoint's NumpyPickle (not merged yet)")
    }
}
