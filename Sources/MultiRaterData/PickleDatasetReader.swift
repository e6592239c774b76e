import Foundation
import MultiRaterMetrics
import TorchCheckpoint

/// Reads the Probabilistic U-Net `data_lidc.pickle` layout:
/// `{key: {'image': ndarray (H, W) [or (H, W, C)], 'masks': [ndarray (H, W), ...], 'series_uid': str}}`.
///
/// Keys become case ids (dict order kept; non-string keys are rendered as text), `series_uid` the
/// group id. Other entries (e.g. QUBIQ's `alpha`) are ignored. Masks must be uint8/bool with values
/// 0/1 or 0/255, or float arrays holding only 0 and 1. Anything other than a dict of such dicts
/// (e.g. masks that are not numpy arrays) is an error naming the file and key.
public enum PickleDatasetReader {
    /// Reads the pickle file at `url`.
    ///
    /// - Throws: a `DataError` naming the file or case (`invalidFile` also names the key of a malformed entry).
    public static func read(contentsOf url: URL) throws -> MultiRaterDataset {
        let root: PickleValue
        do { root = try NumpyPickle.load(contentsOf: url) } catch {
            throw DataError.invalidFile(path: url.path, reason: "\(error)")
        }
        return try dataset(from: root, path: url.path)
    }

    /// Reads the layout from pickle bytes held in memory; `path` names them in error messages.
    public static func read(bytes: [UInt8], path: String) throws -> MultiRaterDataset {
        let root: PickleValue
        do { root = try bytes.withUnsafeBytes { try NumpyPickle.load($0, source: path) } } catch {
            throw DataError.invalidFile(path: path, reason: "\(error)")
        }
        return try dataset(from: root, path: path)
    }

    private static func dataset(from root: PickleValue, path: String) throws -> MultiRaterDataset {
        guard let pairs = root.pairs else { throw DataError.invalidFile(path: path, reason: "top level is not a dict") }
        guard !pairs.isEmpty else { throw DataError.invalidFile(path: path, reason: "the dict is empty") }
        var cases: [MultiRaterCase] = []
        for (index, pair) in pairs.enumerated() {
            let key = pair.key.stringValue ?? pair.key.intValue.map(String.init) ?? "\(index)"
            func fail(_ reason: String) -> DataError {
                DataError.invalidFile(path: path, reason: "key '\(key)': \(reason)")
            }
            guard pair.value.pairs != nil else { throw fail("value is not a dict") }
            guard let masksValue = pair.value["masks"] else { throw fail("no 'masks' entry") }
            guard let items = masksValue.items else { throw fail("'masks' is not a list") }
            guard !items.isEmpty else { throw fail("'masks' is empty (no raters)") }
            var raters: [BinaryMask] = []
            for (r, item) in items.enumerated() {
                guard case .array(let array) = item else { throw fail("mask \(r) is not a numpy array") }
                raters.append(try mask(array, what: "mask \(r)", fail: fail))
            }
            var image: CaseImage?
            if let imageValue = pair.value["image"] {
                guard case .array(let array) = imageValue else { throw fail("'image' is not a numpy array") }
                guard array.shape.count == 2 || (array.shape.count == 3 && [1, 3].contains(array.shape[2])) else {
                    throw fail("'image' has shape \(array.shape), want (H, W) or (H, W, C)")
                }
                guard array.dtype != .bool else { throw fail("'image' is boolean") }
                let values = array.floats()
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw fail("image value \(values[bad]) (NaN or infinite) at element \(bad)")
                }
                let channels = array.shape.count == 3 ? array.shape[2] : 1
                image = try CaseImage(
                    width: array.shape[1], height: array.shape[0], channels: channels, pixels: values,
                    sourceType: array.dtype.rawValue, name: key)
            }
            let group = pair.value["series_uid"]?.stringValue
            do {
                cases.append(
                    try MultiRaterCase(
                        image: image, raters: raters,
                        metadata: CaseMetadata(caseID: key, groupID: group, sourceIndex: index)))
            } catch let DataError.invalidCase(_, reason) {
                throw fail(reason)
            }
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return MultiRaterDataset(name: name, source: "pickle:\(path)", cases: cases)
    }

    static func mask(_ array: NumpyArray, what: String, fail: (String) -> DataError) throws -> BinaryMask {
        guard array.shape.count == 2 else { throw fail("\(what) has shape \(array.shape), want (H, W)") }
        let (h, w) = (array.shape[0], array.shape[1])
        let bytes: [UInt8]
        switch array.dtype {
        case .uint8, .bool:
            bytes = array.bytes
        default:
            let values = array.doubles()
            if let bad = values.first(where: { $0 != 0 && $0 != 1 }) {
                throw fail("\(what) is not binary (value \(bad); want 0/1)")
            }
            bytes = values.map { $0 != 0 ? 1 : 0 }
        }
        do { try NumpyCaseDecoding.checkBinary(bytes, source: what) } catch let DataError.invalidFile(_, reason) {
            throw fail("\(what): \(reason)")
        }
        return NumpyCaseDecoding.mask(bytes, offset: 0, width: w, height: h)
    }
}
