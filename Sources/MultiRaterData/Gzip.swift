import CZlib
import Foundation

/// gzip / zlib decompression through zlib's `inflateInit2` (windowBits 15 + 32: automatic header
/// detection). Concatenated gzip members are decoded one after another.
enum Gzip {
    /// True when `bytes` starts with the gzip magic 1f 8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// - Throws: `DataError.invalidFile` naming `path` on corrupt or truncated input, or when the
    ///   output would exceed `limit` bytes (checked before the bytes are kept).
    static func decompress(_ input: [UInt8], path: String, limit: Int = DatasetLimits.defaultMaxDecompressedBytes)
        throws -> [UInt8]
    {
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count, limit / 4) * 4)
        var stream = z_stream()
        var status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw DataError.invalidFile(path: path, reason: "zlib init failed (\(status))") }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard produced <= limit - output.count else {
                    throw DataError.invalidFile(
                        path: path,
                        reason: "decompresses to more than \(limit) bytes "
                            + "(the limit; raise it with --max-decompressed-mib)")
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END {
                    // Another gzip member may follow.
                    if stream.avail_in == 0 { break }
                    guard inflateReset(&stream) == Z_OK else {
                        throw DataError.invalidFile(path: path, reason: "zlib reset failed")
                    }
                    continue
                }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw DataError.invalidFile(path: path, reason: "corrupt gzip data (\(message))")
                }
                if stream.avail_in == 0 && produced == 0 {
                    throw DataError.invalidFile(path: path, reason: "truncated gzip data (stream ended early)")
                }
            }
        }
        return output
    }

    /// A gzip stream (one member, zlib's `deflateInit2` with windowBits 15 + 16) of `input` at `level`.
    static func compress(_ input: [UInt8], level: Int32 = 6, path: String) throws -> [UInt8] {
        var stream = z_stream()
        var status = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw DataError.invalidFile(path: path, reason: "zlib init failed (\(status))") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let written: Int = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                status = deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            throw DataError.invalidFile(path: path, reason: "gzip compression failed (\(status))")
        }
        return Array(output[0..<written])
    }
}
