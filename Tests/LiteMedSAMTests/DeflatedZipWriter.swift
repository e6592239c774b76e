import CZlib
import Foundation
import TorchCheckpoint

/// Test support: re-zips an archive with every member deflated, as Python's
/// `zipfile.ZipFile(..., compression=ZIP_DEFLATED)` would (no ZIP64, so inputs stay under 4 GiB).
enum DeflatedZipWriter {
    /// Writes a copy of `source` to `destination` with each member raw-deflated at `level`.
    static func rezip(_ source: ZipArchive, to destination: URL, level: Int32 = 1) throws {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in source.entries {
            let plain = try source.contents(of: entry).array
            let packed = try deflate(plain, level: level)
            let crc = plain.withUnsafeBytes { crc32Checksum($0) }
            let name = Array(entry.name.utf8)
            let localOffset = out.count
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
            out += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(plain.count))
            out += le16(UInt16(name.count)) + le16(0) + name + packed
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21)
            central += le32(crc) + le32(UInt32(packed.count)) + le32(UInt32(plain.count))
            central += le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0)
            central += le32(UInt32(localOffset)) + name
        }
        let directoryOffset = out.count
        out += central
        let count = UInt16(source.entries.count)
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count)
        out += le32(UInt32(central.count)) + le32(UInt32(directoryOffset)) + le16(0)
        try Data(out).write(to: destination)
    }

    private static func deflate(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw CocoaError(.fileWriteUnknown) }
        return Array(output[0..<Int(stream.total_out)])
    }

    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
