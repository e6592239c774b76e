import CZlib
import FileErrors
import Foundation

/// Writes NumPy `.npz` archives as `np.savez_compressed` does: a zip whose members are `.npy`
/// files (named `<key>.npy`), each raw-deflated (zip method 8) with its CRC-32 recorded.
///
/// No ZIP64: every member and the whole archive must stay below 4 GiB, checked before writing.
public enum NPZWriter {
    /// The largest member or archive size a plain (non-ZIP64) zip can describe.
    static let zipLimit = Int(UInt32.max)

    /// Writes `arrays` (key, array) to `url`, atomically (a temporary file renamed over `url`, so a
    /// failed write never leaves a partial archive).
    ///
    /// - Parameters:
    ///   - arrays: (key, array) pairs; each becomes the member `<key>.npy`, in order.
    ///   - url: the archive to write.
    ///   - level: zlib compression level, 1 (fast) ... 9 (small); default 6, as NumPy.
    /// - Throws: ``NumpyError/writeFailed(path:reason:)`` for a duplicate or empty key, an archive
    ///   beyond 4 GiB, a zlib failure or a file-system error.
    public static func write(_ arrays: [(key: String, array: NumpyArray)], to url: URL, level: Int32 = 6) throws {
        let data = try encode(arrays, level: level, path: url.path)
        do {
            try Data(data).write(to: url, options: .atomic)
        } catch {
            throw NumpyError.writeFailed(path: url.path, reason: FileErrorText.reason(error))
        }
    }

    /// The archive bytes for `arrays` (see ``write(_:to:level:)``); `path` names it in errors.
    public static func encode(_ arrays: [(key: String, array: NumpyArray)], level: Int32 = 6, path: String = "npz")
        throws -> [UInt8]
    {
        var seen = Set<String>()
        var members: [(name: String, contents: [UInt8])] = []
        for (key, array) in arrays {
            guard !key.isEmpty, seen.insert(key).inserted else {
                throw NumpyError.writeFailed(path: path, reason: "empty or duplicate array name '\(key)'")
            }
            members.append((key + ".npy", NPY.encode(array)))
        }
        return try deflatedZip(members, level: level, path: path)
    }

    /// A zip archive of `members` in order, each raw-deflated (method 8) at `level` with its CRC-32, DOS
    /// time 1980-01-01 00:00, no ZIP64 (as Python's `zipfile` with `ZIP_DEFLATED` writes small archives).
    ///
    /// - Throws: ``NumpyError/writeFailed(path:reason:)`` (naming `path`) past 4 GiB or on a zlib failure.
    public static func deflatedZip(_ members: [(name: String, contents: [UInt8])], level: Int32, path: String)
        throws -> [UInt8]
    {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (memberName, plain) in members {
            let packed = try deflate(plain, level: level, path: path)
            let crc = plain.withUnsafeBytes { crc32Checksum($0) }
            let name = Array(memberName.utf8)
            guard plain.count < zipLimit, out.count + packed.count + name.count + 30 < zipLimit else {
                throw NumpyError.writeFailed(path: path, reason: "archive would exceed 4 GiB (ZIP64 is not written)")
            }
            let offset = UInt32(out.count)
            // Local file header: version 2.0, no flags, deflate, DOS time/date 1980-01-01 00:00.
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
            out += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(plain.count))
            out += le16(UInt16(name.count)) + le16(0) + name + packed
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(plain.count))
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            central += le32(offset) + name
        }
        guard out.count + central.count + 22 < zipLimit, members.count < Int(UInt16.max) else {
            throw NumpyError.writeFailed(path: path, reason: "archive would exceed 4 GiB (ZIP64 is not written)")
        }
        let directoryOffset = UInt32(out.count)
        out += central
        let count = UInt16(members.count)
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count)
        out += le32(UInt32(central.count)) + le32(directoryOffset) + le16(0)
        return out
    }

    /// Raw deflate (no zlib header), as zip method 8 stores it.
    private static func deflate(_ input: [UInt8], level: Int32, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw NumpyError.writeFailed(path: path, reason: "zlib deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var source = input
        let status: Int32 = source.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw NumpyError.writeFailed(path: path, reason: "zlib deflate failed (status \(status))")
        }
        return Array(output[0..<Int(stream.total_out)])
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
