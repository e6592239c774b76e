import Foundation
import MultiRaterMetrics
import TorchCheckpoint

/// Reads a multi-rater `.npz`.
///
/// Layout: `masks` (N, K, H, W) uint8/bool with values 0/1 or 0/255 — or packed with `np.packbits`
/// along the last axis (N, K, H, ceil(W/8)) together with a `shape` entry `[N, K, H, W]`; (N, H, W)
/// is read as K = 1. Optional `images` (N, H, W) or (N, H, W, C) with C = 1 or 3, any numeric dtype,
/// values kept as given (no NaN/infinity allowed). Optional `case_ids` (strings; else
/// `<file stem>-<index>`), and a group id from `patient_id`, else `series_uid`, else the
/// `patient_id` column of an `index.csv` beside the file (rows in the same order), else none.
public enum NPZDatasetReader {
    /// Reads the `.npz` at `url` within `limits` (case count, inflated member size).
    public static func read(contentsOf url: URL, limits: DatasetLimits = DatasetLimits()) throws -> MultiRaterDataset {
        let path = url.path
        func wrap<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let e as DataError { throw e } catch let NumpyError.memberTooLarge(
                _, name, bytes, limit)
            {
                throw DataError.invalidFile(
                    path: path,
                    reason: "member '\(name)' inflates to \(bytes) bytes, over the limit of "
                        + "\(limit) bytes (raise it with --max-decompressed-mib)")
            } catch {
                throw DataError.invalidFile(path: path, reason: "\(error)")
            }
        }
        let archive = try wrap { try NPZArchive(contentsOf: url, maxInflatedMemberBytes: limits.maxDecompressedBytes) }
        let names = Set(archive.names)
        guard names.contains("masks") else {
            throw DataError.invalidFile(
                path: path, reason: "no 'masks' array (found: \(archive.names.sorted().joined(separator: ", ")))")
        }
        let masks = try wrap { try archive.array(named: "masks") }
        guard masks.dtype == .uint8 || masks.dtype == .bool else {
            throw DataError.invalidFile(
                path: path, reason: "'masks' has dtype \(masks.dtype.rawValue), want uint8 or bool")
        }
        var shape = masks.shape
        var packed = false
        if names.contains("shape") {
            let declared = try wrap { try archive.array(named: "shape").int64s().map { Int($0) } }
            guard declared.count == masks.shape.count, declared.dropLast() == masks.shape.dropLast(),
                let w = declared.last, (w + 7) / 8 == masks.shape.last
            else {
                throw DataError.invalidFile(
                    path: path, reason: "'shape' \(declared) does not match packed masks \(masks.shape)")
            }
            shape = declared
            packed = true
        }
        if shape.count == 3 { shape.insert(1, at: 1) }
        guard shape.count == 4 else {
            throw DataError.invalidFile(path: path, reason: "'masks' has shape \(shape), want (N, K, H, W)")
        }
        let (n, k, h, w) = (shape[0], shape[1], shape[2], shape[3])
        guard n >= 1 else { throw DataError.invalidFile(path: path, reason: "'masks' holds no cases (N = 0)") }
        guard k >= 1 else { throw DataError.invalidFile(path: path, reason: "'masks' has no raters (K = 0)") }
        guard h >= 1, w >= 1 else {
            throw DataError.invalidFile(path: path, reason: "'masks' has empty images (\(h)x\(w))")
        }
        try limits.checkCaseCount(n, source: path)
        let maskBytes = masks.bytes
        if !packed { try NumpyCaseDecoding.checkBinary(maskBytes, source: "\(path):masks") }

        var images: NumpyArray?
        var channels = 1
        if names.contains("images") {
            let array = try wrap { try archive.array(named: "images") }
            guard array.dtype != .bool, array.shape.count == 3 || array.shape.count == 4,
                array.shape[0] == n, array.shape[1] == h, array.shape[2] == w
            else {
                throw DataError.invalidFile(
                    path: path, reason: "'images' has shape \(array.shape), want (\(n), \(h), \(w)[, C])")
            }
            if array.shape.count == 4 {
                channels = array.shape[3]
                guard channels == 1 || channels == 3 else {
                    throw DataError.invalidFile(path: path, reason: "'images' has \(channels) channels (want 1 or 3)")
                }
            }
            images = array
        }
        let stem = url.deletingPathExtension().lastPathComponent
        let ids: [String] =
            names.contains("case_ids")
            ? try wrap { try archive.strings(named: "case_ids") }
            : (0..<n).map { String(format: "%@-%05d", stem, $0) }
        guard ids.count == n else {
            throw DataError.invalidFile(path: path, reason: "'case_ids' has \(ids.count) entries, masks \(n)")
        }
        let groups = try groupIDs(archive: archive, names: names, url: url, count: n, wrap: wrap)

        let rowBytes = packed ? (w + 7) / 8 : w
        var cases: [MultiRaterCase] = []
        cases.reserveCapacity(n)
        let floats = images?.floats()
        for i in 0..<n {
            var raters: [BinaryMask] = []
            for r in 0..<k {
                let offset = (i * k + r) * h * rowBytes
                raters.append(
                    packed
                        ? NumpyCaseDecoding.packedMask(maskBytes, offset: offset, width: w, height: h)
                        : NumpyCaseDecoding.mask(maskBytes, offset: offset, width: w, height: h))
            }
            var image: CaseImage?
            if let images, let floats {
                let count = h * w * channels
                let slice = Array(floats[(i * count)..<((i + 1) * count)])
                if let bad = slice.firstIndex(where: { !$0.isFinite }) {
                    throw DataError.invalidFile(
                        path: path,
                        reason: "case \(ids[i]): image value \(slice[bad]) (NaN or infinite) at element \(bad)")
                }
                image = try CaseImage(
                    width: w, height: h, channels: channels, pixels: slice,
                    sourceType: images.dtype.rawValue, name: ids[i])
            }
            cases.append(
                try MultiRaterCase(
                    image: image, raters: raters,
                    metadata: CaseMetadata(caseID: ids[i], groupID: groups?[i], sourceIndex: i)))
        }
        return MultiRaterDataset(name: stem, source: "npz:\(path)", cases: cases)
    }

    private static func groupIDs(
        archive: NPZArchive, names: Set<String>, url: URL, count: Int,
        wrap: (() throws -> [String]) throws -> [String]
    ) throws -> [String]? {
        for key in ["patient_id", "series_uid"] where names.contains(key) {
            let values = try wrap { try archive.strings(named: key) }
            guard values.count == count else {
                throw DataError.invalidFile(
                    path: url.path, reason: "'\(key)' has \(values.count) entries, masks \(count)")
            }
            return values
        }
        let csv = url.deletingLastPathComponent().appendingPathComponent("index.csv")
        guard let text = try? String(contentsOf: csv, encoding: .utf8) else { return nil }
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false),
            let column = header.firstIndex(of: "patient_id"), lines.count - 1 == count
        else { return nil }
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return column < fields.count ? String(fields[column]) : ""
        }
    }
}
