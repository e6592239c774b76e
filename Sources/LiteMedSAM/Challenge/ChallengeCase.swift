import Foundation
import MedImageIO
import TorchCheckpoint

/// A 3D box prompt of a challenge case, `[x_min, y_min, z_min, x_max, y_max, z_max]` in voxels
/// (x = column, y = row, z = slice). The slice range is inclusive, as in the reference script:
/// the runner segments slices `z_min ... z_max`.
public struct VolumeBox: Sendable, Equatable {
    public var xMin: Double
    public var yMin: Double
    public var zMin: Int
    public var xMax: Double
    public var yMax: Double
    public var zMax: Int

    /// A box from its corners: voxel indices, x = column, y = row, z = slice (both z ends included).
    public init(xMin: Double, yMin: Double, zMin: Int, xMax: Double, yMax: Double, zMax: Int) {
        self.xMin = xMin
        self.yMin = yMin
        self.zMin = zMin
        self.xMax = xMax
        self.yMax = yMax
        self.zMax = zMax
    }

    /// The in-plane box `[x_min, y_min, x_max, y_max]`, prompted on the middle slice.
    public var planeBox: BoundingBox { BoundingBox(x0: xMin, y0: yMin, x1: xMax, y1: yMax) }

    /// The middle slice, `Int((z_max - z_min) / 2 + z_min)` as the reference computes it.
    public var middleSlice: Int { Int(Double(zMax - zMin) / 2 + Double(zMin)) }
}

/// A grey `uint8` volume `D x H x W` of a 3D challenge case.
public struct ChallengeVolume: Sendable, Equatable {
    public let depth: Int
    public let height: Int
    public let width: Int
    /// `depth * height * width` voxels, C order (slice, row, column).
    public let voxels: [UInt8]
    /// The case's `spacing` (not used for segmentation; kept for the caller).
    public let spacing: [Double]

    /// Slice `z` as an 8-bit grey image.
    public func slice(_ z: Int) -> MedicalImage {
        let n = height * width
        // Sizes were validated when the case was read.
        return try! MedicalImage(
            width: width, height: height, channels: 1, bitDepth: 8,
            pixels: voxels[(z * n)..<((z + 1) * n)].map { Float($0) })
    }
}

/// One case of the CVPR 2024 "MedSAM on Laptop" challenge format (`.npz`).
///
/// - 2D (file name not starting with `3D`): `imgs` `H x W x 3` (or `H x W`) `uint8`, `boxes` `N x 4`
///   `[x_min, y_min, x_max, y_max]` in pixels.
/// - 3D (file name starting with `3D`, as the reference script decides): `imgs` `D x H x W` `uint8`,
///   `boxes` `N x 6` `[x_min, y_min, z_min, x_max, y_max, z_max]`, `spacing` (3 values).
///
/// Only these keys are read (others, such as `gts`, are ignored), each at most
/// ``ChallengeLimits/maxDecompressedBytes`` bytes (stored or compressed). Boxes must lie inside the image
/// or volume (`0 <= x_min < x_max <= W`, `0 <= y_min < y_max <= H`, `0 <= z_min < z_max <= D - 1`,
/// whole z: z are slice indices, `z_max` included); nothing is clipped silently.
public enum ChallengeCase: Sendable {
    case image(name: String, image: MedicalImage, boxes: [BoundingBox])
    case volume(name: String, volume: ChallengeVolume, boxes: [VolumeBox])

    /// The case's name (its file name).
    public var name: String {
        switch self {
        case .image(let name, _, _), .volume(let name, _, _): return name
        }
    }

    /// Number of objects (box rows).
    public var objectCount: Int {
        switch self {
        case .image(_, _, let boxes): return boxes.count
        case .volume(_, _, let boxes): return boxes.count
        }
    }

    /// Whether a file name denotes a 3D case: it starts with `3D` (the reference script's rule).
    public static func isVolumeName(_ name: String) -> Bool { name.hasPrefix("3D") }

    /// Reads and checks the case at `url` within `limits`.
    ///
    /// - Throws: ``ChallengeCaseError`` naming the case and key.
    public static func read(contentsOf url: URL, limits: ChallengeLimits = ChallengeLimits()) throws -> ChallengeCase {
        let name = url.lastPathComponent
        let archive: NPZArchive
        do {
            archive = try NPZArchive(contentsOf: url, maxInflatedMemberBytes: limits.maxDecompressedBytes)
        } catch {
            throw ChallengeCaseError.unreadable(caseName: name, reason: "\(error)")
        }
        let reader = ChallengeArchiveReader(name: name, archive: archive, limits: limits)
        return isVolumeName(name) ? try reader.volumeCase() : try reader.imageCase()
    }
}

/// Reads and validates the whitelisted keys of one challenge archive.
struct ChallengeArchiveReader {
    let name: String
    let archive: NPZArchive
    let limits: ChallengeLimits

    func imageCase() throws -> ChallengeCase {
        let imgs = try array("imgs")
        guard imgs.dtype == .uint8 else { throw invalid("imgs", "dtype \(imgs.dtype.rawValue), expected uint8") }
        guard imgs.shape.count == 2 || (imgs.shape.count == 3 && imgs.shape[2] == 3) else {
            throw invalid("imgs", "shape \(imgs.shape), expected H x W x 3 (or H x W) for a 2D case")
        }
        let (height, width) = (imgs.shape[0], imgs.shape[1])
        try checkPlane(height: height, width: width, key: "imgs")
        let channels = imgs.shape.count == 3 ? 3 : 1
        let image: MedicalImage
        do {
            image = try MedicalImage(
                width: width, height: height, channels: channels, bitDepth: 8, pixels: imgs.bytes.map { Float($0) })
        } catch {
            throw invalid("imgs", "\(error)")
        }
        let rows = try boxRows(columns: 4, caseKind: "2D")
        let boxes = try rows.enumerated().map { index, row in
            let box = BoundingBox(x0: row[0], y0: row[1], x1: row[2], y1: row[3])
            do { try PromptMapping.validate(box, height: height, width: width) } catch {
                throw ChallengeCaseError.invalidBox(caseName: name, index: index, reason: "\(error)")
            }
            return box
        }
        return .image(name: name, image: image, boxes: boxes)
    }

    func volumeCase() throws -> ChallengeCase {
        let imgs = try array("imgs")
        guard imgs.dtype == .uint8 else { throw invalid("imgs", "dtype \(imgs.dtype.rawValue), expected uint8") }
        guard imgs.shape.count == 3 else {
            throw invalid("imgs", "shape \(imgs.shape), expected D x H x W for a 3D case (name starts with '3D')")
        }
        let (depth, height, width) = (imgs.shape[0], imgs.shape[1], imgs.shape[2])
        guard depth >= 1 else { throw invalid("imgs", "the volume has no slices (D = 0)") }
        try checkPlane(height: height, width: width, key: "imgs")
        let spacingArray = try array("spacing")
        let spacing = spacingArray.doubles()
        guard spacing.count == 3, spacing.allSatisfy({ $0.isFinite }) else {
            throw invalid("spacing", "expected 3 finite values, got shape \(spacingArray.shape)")
        }
        let rows = try boxRows(columns: 6, caseKind: "3D")
        let boxes = try rows.enumerated().map { index, row in
            func fail(_ reason: String) -> ChallengeCaseError {
                .invalidBox(caseName: name, index: index, reason: "\(row): \(reason)")
            }
            guard row[2] == row[2].rounded(), row[5] == row[5].rounded() else {
                throw fail("z_min and z_max must be whole slice indices")
            }
            let box = VolumeBox(
                xMin: row[0], yMin: row[1], zMin: Int(row[2]), xMax: row[3], yMax: row[4], zMax: Int(row[5]))
            guard box.zMin < box.zMax else { throw fail("z_min must be smaller than z_max") }
            guard box.zMin >= 0, box.zMax < depth else {
                throw fail(
                    "z range is not inside the \(depth)-slice volume (need 0 <= z_min < z_max <= \(depth - 1))")
            }
            do { try PromptMapping.validate(box.planeBox, height: height, width: width) } catch {
                throw fail("\(error)")
            }
            return box
        }
        let volume = ChallengeVolume(
            depth: depth, height: height, width: width, voxels: imgs.bytes, spacing: spacing)
        return .volume(name: name, volume: volume, boxes: boxes)
    }

    /// The rows of `boxes` (`N x columns`, any numeric dtype, finite) as `Double`s.
    private func boxRows(columns: Int, caseKind: String) throws -> [[Double]] {
        let boxes = try array("boxes")
        guard boxes.dtype != .bool, boxes.shape.count == 2, boxes.shape[1] == columns else {
            let other = columns == 4 ? 6 : 4
            var reason = "shape \(boxes.shape), expected N x \(columns) for a \(caseKind) case"
            if boxes.shape.count == 2, boxes.shape[1] == other {
                reason +=
                    columns == 4
                    ? " ([x_min, y_min, x_max, y_max]); 6-value boxes are for 3D cases, whose file names start with '3D'"
                    : " ([x_min, y_min, z_min, x_max, y_max, z_max]); 4-value boxes are for 2D cases"
            }
            throw invalid("boxes", reason)
        }
        guard boxes.shape[0] <= limits.maxObjects else {
            throw invalid("boxes", "\(boxes.shape[0]) boxes exceed the limit of \(limits.maxObjects) objects")
        }
        let values = boxes.doubles()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ChallengeCaseError.invalidBox(
                caseName: name, index: bad / columns, reason: "non-finite coordinate \(values[bad])")
        }
        return (0..<boxes.shape[0]).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) }
    }

    private func checkPlane(height: Int, width: Int, key: String) throws {
        do { try LiteMedSAMPreprocessor.validate(width: width, height: height, name: "the image") } catch {
            throw invalid(key, "\(error)")
        }
    }

    private func array(_ key: String) throws -> NumpyArray {
        guard archive.names.contains(key) else {
            throw ChallengeCaseError.missingKey(caseName: name, key: key, found: archive.names)
        }
        // Stored members are copied out of the mapped file too: bound every member, not only deflated ones.
        if let entry = archive.zip.entry(named: key + ".npy") ?? archive.zip.entry(named: key),
            entry.uncompressedSize > limits.maxDecompressedBytes
        {
            throw ChallengeCaseError.invalidArray(
                caseName: name, key: key,
                reason:
                    "\(entry.uncompressedSize) bytes, over the limit of \(limits.maxDecompressedBytes) bytes per array")
        }
        do { return try archive.array(named: key) } catch {
            throw ChallengeCaseError.invalidArray(caseName: name, key: key, reason: "\(error)")
        }
    }

    private func invalid(_ key: String, _ reason: String) -> ChallengeCaseError {
        .invalidArray(caseName: name, key: key, reason: reason)
    }
}
