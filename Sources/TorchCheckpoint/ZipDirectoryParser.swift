/// Parses the End Of Central Directory (plain and ZIP64) and the central directory of a zip file.
struct ZipDirectoryParser {
    let bytes: UnsafeRawBufferPointer
    let archive: String

    private static let eocdSignature = 0x0605_4B50
    private static let zip64LocatorSignature = 0x0706_4B50
    private static let zip64EOCDSignature = 0x0606_4B50
    private static let centralSignature = 0x0201_4B50
    private static let minimumEntrySize = 46

    func parse() throws -> [ZipEntry] {
        let eocd = try findEOCD()
        var entryCount = bytes.u16(eocd + 10)
        var directorySize = bytes.u32(eocd + 12)
        var directoryOffset = bytes.u32(eocd + 16)

        // A ZIP64 locator, if present, sits immediately before the EOCD record.
        let locator = eocd - 20
        if locator >= 0 && bytes.u32(locator) == Self.zip64LocatorSignature {
            let recordOffset = try checkedInt(bytes.u64(locator + 8), "ZIP64 end of central directory offset")
            try require(recordOffset, 56, "ZIP64 end of central directory record")
            guard bytes.u32(recordOffset) == Self.zip64EOCDSignature else {
                throw ZipError.corrupt(
                    archive: archive,
                    reason:
                        "ZIP64 locator points at offset \(recordOffset), which is not a ZIP64 end of central directory record"
                )
            }
            entryCount = try checkedInt(bytes.u64(recordOffset + 32), "ZIP64 entry count")
            directorySize = try checkedInt(bytes.u64(recordOffset + 40), "ZIP64 central directory size")
            directoryOffset = try checkedInt(bytes.u64(recordOffset + 48), "ZIP64 central directory offset")
        }

        try require(directoryOffset, directorySize, "central directory")
        guard entryCount <= directorySize / Self.minimumEntrySize else {
            throw ZipError.corrupt(
                archive: archive,
                reason: "\(entryCount) entries cannot fit in a "
                    + "central directory of \(directorySize) bytes")
        }

        var entries: [ZipEntry] = []
        entries.reserveCapacity(entryCount)
        var offset = directoryOffset
        let end = directoryOffset + directorySize
        for i in 0..<entryCount {
            guard offset <= end - Self.minimumEntrySize else {
                throw ZipError.corrupt(
                    archive: archive,
                    reason: "central directory entry \(i) at offset "
                        + "\(offset) runs past the end of the central directory")
            }
            let (entry, next) = try parseEntry(at: offset, limit: end, number: i)
            entries.append(entry)
            offset = next
        }
        return entries
    }

    private func findEOCD() throws -> Int {
        guard bytes.count >= 22 else {
            throw ZipError.notAZip(
                archive: archive,
                reason: "file is \(bytes.count) bytes, shorter than an end of central directory record")
        }
        let lowest = max(0, bytes.count - 22 - 65535)
        var position = bytes.count - 22
        while position >= lowest {
            if bytes.u32(position) == Self.eocdSignature {
                // The comment length must account exactly for the rest of the file (tolerate padding).
                let commentLength = bytes.u16(position + 20)
                if position + 22 + commentLength <= bytes.count { return position }
            }
            position -= 1
        }
        throw ZipError.notAZip(
            archive: archive,
            reason: "no end of central directory record in the last "
                + "\(bytes.count - lowest) bytes")
    }

    private func parseEntry(at offset: Int, limit: Int, number: Int) throws -> (ZipEntry, Int) {
        guard bytes.u32(offset) == Self.centralSignature else {
            throw ZipError.corrupt(
                archive: archive,
                reason: "central directory entry \(number) at offset "
                    + "\(offset) has a bad signature")
        }
        let flags = bytes.u16(offset + 8)
        let method = bytes.u16(offset + 10)
        let crc = UInt32(bytes.u32(offset + 16))
        var compressed = bytes.u32(offset + 20)
        var uncompressed = bytes.u32(offset + 24)
        let nameLength = bytes.u16(offset + 28)
        let extraLength = bytes.u16(offset + 30)
        let commentLength = bytes.u16(offset + 32)
        var localOffset = bytes.u32(offset + 42)
        let next = offset + 46 + nameLength + extraLength + commentLength
        guard next <= limit else {
            throw ZipError.corrupt(
                archive: archive,
                reason: "central directory entry \(number) at offset "
                    + "\(offset) runs past the end of the central directory")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(offset + 46)..<(offset + 46 + nameLength)])
        let name = String(decoding: nameBytes, as: UTF8.self)

        // ZIP64 extra field (id 1): 8-byte values, present only for fields saturated at 0xFFFFFFFF.
        var extra = offset + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = bytes.u16(extra)
            let size = bytes.u16(extra + 2)
            let body = extra + 4
            guard body + size <= extraEnd else {
                throw ZipError.corrupt(archive: archive, reason: "extra field of '\(name)' runs past its end")
            }
            if id == 1 {
                var field = body
                func next64(_ what: String) throws -> Int {
                    guard field + 8 <= body + size else {
                        throw ZipError.corrupt(archive: archive, reason: "ZIP64 extra field of '\(name)' lacks \(what)")
                    }
                    defer { field += 8 }
                    return try checkedInt(bytes.u64(field), "ZIP64 \(what) of '\(name)'")
                }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try next64("uncompressed size") }
                if compressed == 0xFFFF_FFFF { compressed = try next64("compressed size") }
                if localOffset == 0xFFFF_FFFF { localOffset = try next64("local header offset") }
            }
            extra = body + size
        }
        let entry = ZipEntry(
            name: name, method: method, flags: flags, compressedSize: compressed,
            uncompressedSize: uncompressed, localHeaderOffset: localOffset, crc32: crc)
        return (entry, next)
    }

    private func require(_ offset: Int, _ length: Int, _ what: String) throws {
        guard bytes.contains(offset: offset, count: length) else {
            throw ZipError.truncated(
                archive: archive, what: what, offset: offset, length: length,
                fileSize: bytes.count)
        }
    }

    private func checkedInt(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(Int.max / 2) else {
            throw ZipError.corrupt(archive: archive, reason: "\(what) \(value) is out of range")
        }
        return Int(value)
    }
}
