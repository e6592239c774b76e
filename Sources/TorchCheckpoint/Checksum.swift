import CZlib

/// CRC-32 (the zip/zlib polynomial) of `bytes`, computed with zlib in 1 GiB chunks.
public func crc32Checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc = CZlib.crc32(0, nil, 0)
    guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return UInt32(crc) }
    var remaining = bytes.count
    while remaining > 0 {
        let chunk = min(remaining, 1 << 30)
        crc = CZlib.crc32(crc, base, uInt(chunk))
        base += chunk
        remaining -= chunk
    }
    return UInt32(truncatingIfNeeded: crc)
}
