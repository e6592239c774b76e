import CZlib

/// Raw-deflate (zip method 8) decompression into a caller-provided buffer of exactly the declared size.
enum RawInflate {
    /// Why inflation failed, without archive context (the caller adds it).
    enum Failure: Error {
        case zlib(String)
        case tooShort(Int)
        case tooLong
    }

    /// Inflates `input` into `output`, requiring exactly `output.count` bytes to come out.
    static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw Failure.zlib("inflateInit2 returned \(initStatus)") }
        defer { inflateEnd(&stream) }

        var inOffset = 0
        var outOffset = 0
        let chunk = 1 << 30
        var scratch = [UInt8](repeating: 0, count: 64)
        while true {
            if stream.avail_in == 0 && inOffset < input.count {
                let n = min(chunk, input.count - inOffset)
                stream.next_in = UnsafeMutablePointer(
                    mutating: input.baseAddress!.advanced(by: inOffset)
                        .assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(n)
                inOffset += n
            }
            let status: Int32
            if outOffset < output.count {
                let n = min(chunk, output.count - outOffset)
                stream.next_out = output.baseAddress!.advanced(by: outOffset).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(n)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                outOffset += n - Int(stream.avail_out)
            } else {
                // Output is full: anything more that decodes means the declared size was too small.
                status = scratch.withUnsafeMutableBytes { buf -> Int32 in
                    stream.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(buf.count)
                    let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return s
                }
                if stream.avail_out != uInt(scratch.count) { throw Failure.tooLong }
            }
            switch status {
            case Z_STREAM_END:
                if outOffset != output.count { throw Failure.tooShort(outOffset) }
                return
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: input exhausted before the end of the stream.
                if stream.avail_in == 0 && inOffset >= input.count {
                    throw Failure.zlib("compressed data ends before the end of the deflate stream")
                }
                continue
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw Failure.zlib(message)
            }
        }
    }
}
