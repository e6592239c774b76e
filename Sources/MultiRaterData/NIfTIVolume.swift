import FileErrors
import Foundation
import TorchCheckpoint

/// A NIfTI-1 volume (single-file `.nii` or gzip-compressed `.nii.gz`), values converted to Float
/// with the header's `scl_slope`/`scl_inter` applied (when slope != 0).
///
/// Element `(i, j, k)` (NIfTI x, y, z indices) is `values[i + dims[0] * (j + dims[1] * k)]`
/// (Fortran order, as stored). Only the first three dimensions are read: a 4-D file whose 4th dimension
/// is 1 is read as 3-D (its header, `dim[0] = 4`, is kept for outputs); any other 4-D (or higher) file is
/// refused with its dimensions.
public struct NIfTIVolume: Sendable {
    /// Sizes along x, y, z.
    public var dims: (Int, Int, Int)
    public var values: [Float]
    /// The 348-byte NIfTI-1 header as read (kept to write a label volume with the same geometry).
    public var header: [UInt8]
    /// Whether the header (and data) are little-endian.
    public var isLittleEndian: Bool

    /// Reads a `.nii` or `.nii.gz` file; a gzip stream may inflate to at most `maxDecompressedBytes`.
    public init(contentsOf url: URL, maxDecompressedBytes: Int = DatasetLimits.defaultMaxDecompressedBytes) throws {
        let path = url.path
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw DataError.invalidFile(path: path, reason: FileErrorText.reading(error))
        }
        try self.init(fileBytes: bytes, path: path, maxDecompressedBytes: maxDecompressedBytes)
    }

    /// Parses the bytes of a `.nii` or `.nii.gz` file (gzip is detected by its magic number); a gzip
    /// stream may inflate to at most `maxDecompressedBytes`. `path` names the data in error messages.
    public init(fileBytes: [UInt8], path: String, maxDecompressedBytes: Int = DatasetLimits.defaultMaxDecompressedBytes)
        throws
    {
        var bytes = fileBytes
        if Gzip.isCompressed(bytes) { bytes = try Gzip.decompress(bytes, path: path, limit: maxDecompressedBytes) }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses an uncompressed NIfTI-1 byte image.
    public init(bytes: [UInt8], path: String) throws {
        let layout = try Self.layout(of: bytes, path: path)
        let (little, dim, datatype, offset, size) = (
            layout.isLittleEndian, layout.dim, layout.datatype, layout.voxelOffset, layout.voxelSize
        )
        let slope = Self.float32(bytes, 112, little: little)
        let inter = Self.float32(bytes, 116, little: little)
        let count = dim[0] * dim[1] * dim[2]
        guard offset >= 348, bytes.count >= offset + count * size else {
            throw DataError.invalidFile(
                path: path, reason: "truncated NIfTI data (\(bytes.count) bytes, need \(offset + count * size))")
        }
        var values = [Float](repeating: 0, count: count)
        for e in 0..<count {
            let at = offset + e * size
            switch datatype {
            case 2: values[e] = Float(bytes[at])
            case 256: values[e] = Float(Int8(bitPattern: bytes[at]))
            case 4: values[e] = Float(Int16(bitPattern: Self.uint16(bytes, at, little: little)))
            case 512: values[e] = Float(Self.uint16(bytes, at, little: little))
            case 8: values[e] = Float(Self.int32(bytes, at, little: little))
            case 768: values[e] = Float(UInt32(bitPattern: Self.int32(bytes, at, little: little)))
            case 16: values[e] = Self.float32(bytes, at, little: little)
            default: values[e] = Float(Double(bitPattern: Self.uint64(bytes, at, little: little)))
            }
        }
        if slope != 0 && slope.isFinite && inter.isFinite && !(slope == 1 && inter == 0) {
            values = values.map { $0 * slope + inter }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidFile(path: path, reason: "NaN or infinite voxel at element \(bad)")
        }
        self.dims = (dim[0], dim[1], dim[2])
        self.values = values
        header = Array(bytes[0..<348])
        isLittleEndian = little
    }

    /// What a NIfTI-1 header says about its voxels, checked: byte order, the 7 dimensions (1 past `dim[0]`),
    /// datatype, `vox_offset` and bytes per voxel.
    struct Layout {
        var isLittleEndian: Bool
        var dim: [Int]
        var datatype: Int
        var voxelOffset: Int
        var voxelSize: Int
    }

    /// The checked layout of the NIfTI-1 byte image `bytes` (header checks in this order: size, magic, rank,
    /// dimensions, 4th dimension, then `checkDimensions` (before anything else is read), datatype, `vox_offset`).
    /// With `allowingFrames`, a 4-D file with several volumes along the 4th dimension is accepted (5-D and more
    /// are still refused). The data's length is not checked.
    static func layout(
        of bytes: [UInt8], path: String, allowingFrames: Bool = false, checkDimensions: (([Int]) throws -> Void)? = nil
    ) throws -> Layout {
        guard bytes.count >= 348 else {
            throw DataError.invalidFile(path: path, reason: "truncated NIfTI header (\(bytes.count) of 348 bytes)")
        }
        let little: Bool
        if Self.int32(bytes, 0, little: true) == 348 {
            little = true
        } else if Self.int32(bytes, 0, little: false) == 348 {
            little = false
        } else {
            throw DataError.invalidFile(path: path, reason: "not a NIfTI-1 file (sizeof_hdr != 348)")
        }
        let magic = String(decoding: bytes[344..<347], as: UTF8.self)
        guard magic == "n+1" else {
            throw DataError.invalidFile(
                path: path,
                reason: magic == "ni1" ? "two-file NIfTI (.hdr/.img) is not supported" : "bad NIfTI magic '\(magic)'")
        }
        let rank = Int(Self.int16(bytes, 40, little: little))
        guard (1...7).contains(rank) else { throw DataError.invalidFile(path: path, reason: "bad dim[0] = \(rank)") }
        var dim = (1...7).map { Int(Self.int16(bytes, 40 + 2 * $0, little: little)) }
        for d in rank..<7 { dim[d] = 1 }
        guard dim.allSatisfy({ $0 >= 1 }) else {
            throw DataError.invalidFile(path: path, reason: "bad dimensions \(dim.prefix(rank))")
        }
        guard dim[(allowingFrames ? 4 : 3)...].allSatisfy({ $0 == 1 }) else {
            let shape = dim.prefix(rank).map(String.init).joined(separator: "x")
            throw DataError.invalidFile(
                path: path,
                reason: allowingFrames
                    ? "only 3-D and 4-D volumes are supported (dims \(shape))"
                    : dim[4...].allSatisfy({ $0 == 1 })
                        ? "only 3-D volumes are supported: this is a 4-D volume \(shape) with \(dim[3]) volumes along the 4th dimension (a 4-D file is read only when its 4th dimension is 1)"
                        : "only 3-D volumes are supported (dims \(shape))")
        }
        try checkDimensions?(dim)
        let datatype = Int(Self.int16(bytes, 70, little: little))
        // vox_offset is a float: refuse NaN, infinities and values no file can reach before converting.
        let rawOffset = Self.float32(bytes, 108, little: little)
        guard rawOffset.isFinite, rawOffset >= 348, Double(rawOffset) <= Double(bytes.count) else {
            throw DataError.invalidFile(
                path: path,
                reason:
                    "bad NIfTI vox_offset \(rawOffset) (the file has \(bytes.count) bytes; the data must start at 348 or later)"
            )
        }
        let size: Int
        switch datatype {
        case 2, 256: size = 1
        case 4, 512: size = 2
        case 8, 16, 768: size = 4
        case 64: size = 8
        default: throw DataError.invalidFile(path: path, reason: "unsupported NIfTI datatype \(datatype)")
        }
        return Layout(
            isLittleEndian: little, dim: dim, datatype: datatype, voxelOffset: Int(rawOffset), voxelSize: size)
    }

    /// The axial slice `k` as a row-major plane with `width = dims.0` (x) and `height = dims.1` (y).
    public func slice(_ k: Int) -> [Float] {
        let plane = dims.0 * dims.1
        return Array(values[(k * plane)..<((k + 1) * plane)])
    }

    private static func uint16(_ b: [UInt8], _ at: Int, little: Bool) -> UInt16 {
        little ? UInt16(b[at]) | UInt16(b[at + 1]) << 8 : UInt16(b[at + 1]) | UInt16(b[at]) << 8
    }
    static func int16(_ b: [UInt8], _ at: Int, little: Bool) -> Int16 {
        Int16(bitPattern: uint16(b, at, little: little))
    }
    static func int32(_ b: [UInt8], _ at: Int, little: Bool) -> Int32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(b[at + (little ? i : 3 - i)]) << (8 * UInt32(i)) }
        return Int32(bitPattern: v)
    }
    private static func uint64(_ b: [UInt8], _ at: Int, little: Bool) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[at + (little ? i : 7 - i)]) << (8 * UInt64(i)) }
        return v
    }
    static func float32(_ b: [UInt8], _ at: Int, little: Bool) -> Float {
        Float(bitPattern: UInt32(bitPattern: int32(b, at, little: little)))
    }
}
