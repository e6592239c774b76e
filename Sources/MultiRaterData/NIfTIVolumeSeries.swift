import FileErrors
import Foundation

/// A NIfTI-1 file read as a series of 3-D volumes ("frames") along its 4th dimension: cine MR stored as
/// (x, y, slice, time), for example ACDC's `patient001_4d.nii.gz`. A 3-D file (or a 4-D one whose 4th dimension
/// is 1) is a series of one frame, read exactly as `NIfTIVolume` reads it.
///
/// Frame `t` holds the voxels `values[i + dims.0 * (j + dims.1 * (k + dims.2 * t))]` of the file (Fortran
/// order). The sizes of a file of several frames are checked against ``maximumFrameCount``,
/// ``maximumVoxelCount`` and `NIfTIVolume.maximumSliceSide` / `maximumSliceCount` from the header alone, before
/// any voxel is read (a one-frame file is checked as `NIfTIVolume` and `checkSegmentable` check it).
/// Voxels are decoded frame by frame (``frame(_:)``) from the file's bytes kept as read.
public struct NIfTIVolumeSeries: Sendable {
    /// The most frames (4th dimension) accepted.
    public static let maximumFrameCount = 1024
    /// The most voxels accepted over all frames (2^28: 1 GiB as float32).
    public static let maximumVoxelCount = 1 << 28

    /// Sizes along x, y, z of every frame.
    public var dims: (Int, Int, Int)
    /// Frames along the 4th dimension (1 for a 3-D file).
    public var frameCount: Int
    /// The 348-byte NIfTI-1 header as read.
    public var header: [UInt8]
    /// Whether the header (and data) are little-endian.
    public var isLittleEndian: Bool
    /// The uncompressed file.
    let bytes: [UInt8]
    /// Names the data in error messages.
    let path: String
    /// Where the voxels start and how many bytes each takes.
    let voxelOffset: Int, voxelSize: Int

    /// Reads a `.nii` or `.nii.gz` file; a gzip stream may inflate to at most `maxDecompressedBytes`.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - maxDecompressedBytes: the most bytes a gzip stream may inflate to.
    /// - Throws: `DataError.invalidFile` naming the file and the problem.
    public init(contentsOf url: URL, maxDecompressedBytes: Int = DatasetLimits.defaultMaxDecompressedBytes) throws {
        let data: [UInt8]
        do { data = [UInt8](try Data(contentsOf: url)) } catch {
            throw DataError.invalidFile(path: url.path, reason: FileErrorText.reading(error))
        }
        var bytes = data
        if Gzip.isCompressed(bytes) {
            bytes = try Gzip.decompress(bytes, path: url.path, limit: maxDecompressedBytes)
        }
        try self.init(bytes: bytes, path: url.path)
    }

    /// Parses an uncompressed NIfTI-1 byte image of 3 or 4 dimensions: the header and its limits, and that the
    /// data holds every frame (voxels are decoded by ``frame(_:)``).
    ///
    /// - Parameters:
    ///   - bytes: the uncompressed file.
    ///   - path: names the data in error messages.
    /// - Throws: `DataError.invalidFile` for a bad header, 5 or more dimensions, sizes beyond the limits (before
    ///   any voxel is read) or truncated data.
    public init(bytes: [UInt8], path: String) throws {
        let layout = try NIfTIVolume.layout(of: bytes, path: path, allowingFrames: true) { dim in
            // A one-frame file is checked as `NIfTIVolume` checks it (its messages unchanged).
            let voxels = dim[0] * dim[1] * dim[2] * dim[3]
            guard dim[3] == 1 || dim[0] <= NIfTIVolume.maximumSliceSide, dim[1] <= NIfTIVolume.maximumSliceSide,
                dim[2] <= NIfTIVolume.maximumSliceCount, dim[3] <= Self.maximumFrameCount,
                voxels <= Self.maximumVoxelCount
            else {
                throw DataError.invalidFile(
                    path: path,
                    reason:
                        "dimensions \(dim[0])x\(dim[1])x\(dim[2])x\(dim[3]) are beyond the limits (\(NIfTIVolume.maximumSliceSide) per slice side, \(NIfTIVolume.maximumSliceCount) slices, \(Self.maximumFrameCount) frames, \(Self.maximumVoxelCount) voxels in all)"
                )
            }
        }
        let dim = layout.dim
        let need = layout.voxelOffset + dim[0] * dim[1] * dim[2] * dim[3] * layout.voxelSize
        guard bytes.count >= need else {
            throw DataError.invalidFile(path: path, reason: "truncated NIfTI data (\(bytes.count) bytes, need \(need))")
        }
        dims = (dim[0], dim[1], dim[2])
        frameCount = dim[3]
        header = Array(bytes[0..<348])
        isLittleEndian = layout.isLittleEndian
        self.bytes = bytes
        self.path = path
        voxelOffset = layout.voxelOffset
        voxelSize = layout.voxelSize
    }

    /// Frame `t` as a 3-D volume. For a one-frame series this is the file read by `NIfTIVolume(bytes:path:)`
    /// (header as read); otherwise the frame's voxels with the file's header, `dim[4] = 1` and `vox_offset` 352
    /// (scaling, datatype and geometry as in the file).
    ///
    /// - Parameter t: the 0-based frame index, `0..<frameCount`.
    /// - Throws: `DataError.invalidFile` for a NaN or infinite voxel (named with its frame).
    public func frame(_ t: Int) throws -> NIfTIVolume {
        precondition((0..<frameCount).contains(t), "frame index in range")
        guard frameCount > 1 else { return try NIfTIVolume(bytes: bytes, path: path) }
        var frameHeader = Self.header(header, little: isLittleEndian, frames: 1)
        let offset: Float = 352
        for i in 0..<4 {
            frameHeader[108 + (isLittleEndian ? i : 3 - i)] = UInt8((offset.bitPattern >> (8 * UInt32(i))) & 0xff)
        }
        let frameBytes = dims.0 * dims.1 * dims.2 * voxelSize
        let start = voxelOffset + t * frameBytes
        return try NIfTIVolume(
            bytes: frameHeader + [0, 0, 0, 0] + bytes[start..<(start + frameBytes)], path: "\(path) (frame \(t))")
    }

    /// `header` with `dim[0] = 4` and `dim[4] = frames`: the header of a series of `frames` frames.
    static func header(_ header: [UInt8], little: Bool, frames: Int) -> [UInt8] {
        var out = header
        func put16(_ value: Int, _ at: Int) {
            let v = UInt16(truncatingIfNeeded: value)
            out[at] = UInt8(little ? v & 0xff : v >> 8)
            out[at + 1] = UInt8(little ? v >> 8 : v & 0xff)
        }
        put16(4, 40)
        put16(frames, 48)
        return out
    }

    /// An uncompressed 4-D `.nii` of `frames` uint8 label volumes (each one value per voxel of a frame, Fortran
    /// order) with the file's header: `dim[0] = 4`, `dim[4] = frames.count`, and, as
    /// `NIfTIVolume.labelVolumeBytes`, datatype 2, bitpix 8, `vox_offset` 352, slope 1, intercept 0, `cal_min` 0,
    /// `cal_max` the largest label; everything else (spatial dimensions, pixdim including `pixdim[4]`, qform,
    /// sform, units, `toffset`, description) as read.
    ///
    /// - Parameter frames: one label volume per frame written, in the order written (at least one).
    /// - Returns: the `.nii` file's bytes.
    public func labelSeriesBytes(_ frames: [[UInt8]]) -> [UInt8] {
        let count = dims.0 * dims.1 * dims.2
        precondition(!frames.isEmpty && frames.allSatisfy { $0.count == count }, "one label per voxel of each frame")
        let payload = frames.flatMap { $0 }
        return NIfTIVolume.derivedBytes(
            header: Self.header(header, little: isLittleEndian, frames: frames.count), little: isLittleEndian,
            datatype: 2, bitpix: 8, displayRange: 0...Float(payload.max() ?? 0), payload: payload)
    }

    /// An uncompressed 4-D `.nii` of `frames` float32 volumes (in the header's byte order) with the file's
    /// header as ``labelSeriesBytes(_:)`` writes it, but datatype 16, bitpix 32 and `cal_min`/`cal_max` the
    /// smallest and largest value.
    ///
    /// - Parameter frames: one value per voxel of each frame written (finite), in the order written.
    /// - Returns: the `.nii` file's bytes.
    public func floatSeriesBytes(_ frames: [[Float]]) -> [UInt8] {
        let count = dims.0 * dims.1 * dims.2
        precondition(!frames.isEmpty && frames.allSatisfy { $0.count == count }, "one value per voxel of each frame")
        let values = frames.flatMap { $0 }
        return NIfTIVolume.derivedBytes(
            header: Self.header(header, little: isLittleEndian, frames: frames.count), little: isLittleEndian,
            datatype: 16, bitpix: 32, displayRange: (values.min() ?? 0)...(values.max() ?? 0),
            payload: NIfTIVolume.float32Payload(values, little: isLittleEndian))
    }
}
