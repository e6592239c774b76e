/// A read-only zip archive backed by a memory-mapped file.
///
/// The central directory (including ZIP64 records and extra fields) is parsed on open; every offset
/// and length is checked against the file size, so a truncated or corrupt archive produces a
/// `ZipError` instead of a crash. Stored members are exposed zero-copy as slices of the mapping;
/// deflated members are inflated into owned memory, bounded by their declared size.
/// `@unchecked Sendable`: every stored property is a `let` set in `init`, and the mapped bytes are read-only.
public final class ZipArchive: @unchecked Sendable {
    /// The mapped file bytes; alive as long as the archive (or any `ZipMemberData` from it).
    public let file: MappedFile
    /// Members in central-directory order.
    public let entries: [ZipEntry]
    private let index: [String: Int]

    /// A name for error messages (the file path).
    public var path: String { file.path }

    /// Opens and memory-maps the archive at `path`.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses an archive from already-loaded bytes.
    public init(file: MappedFile) throws {
        self.file = file
        entries = try ZipDirectoryParser(bytes: file.bytes, archive: file.path).parse()
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() where index[entry.name] == nil {
            index[entry.name] = i
        }
        self.index = index
    }

    /// The member names in central-directory order.
    public var names: [String] { entries.map(\.name) }

    /// The entry called `name`, if any (the first one when names repeat).
    public func entry(named name: String) -> ZipEntry? {
        index[name].map { entries[$0] }
    }

    /// The byte range of `entry`'s (possibly compressed) data, found through its local header.
    public func dataRange(of entry: ZipEntry) throws -> Range<Int> {
        let bytes = file.bytes
        let offset = entry.localHeaderOffset
        guard bytes.contains(offset: offset, count: 30) else {
            throw ZipError.truncated(
                archive: path, what: "local header of '\(entry.name)'",
                offset: offset, length: 30, fileSize: bytes.count)
        }
        guard bytes.u32(offset) == 0x0403_4B50 else {
            throw ZipError.corrupt(
                archive: path,
                reason: "no local header signature at offset \(offset) for '\(entry.name)'")
        }
        // The local header's own name and extra lengths decide where the data starts.
        let start = offset + 30 + bytes.u16(offset + 26) + bytes.u16(offset + 28)
        guard bytes.contains(offset: start, count: entry.compressedSize) else {
            throw ZipError.truncated(
                archive: path, what: "data of '\(entry.name)'", offset: start,
                length: entry.compressedSize, fileSize: bytes.count)
        }
        return start..<start + entry.compressedSize
    }

    /// The stored (uncompressed) bytes of `entry` as a zero-copy slice of the mapping.
    ///
    /// The pointer is valid while this archive is alive. Throws for compressed members.
    public func storedBytes(of entry: ZipEntry, verifyingCRC: Bool = false) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            throw ZipError.unsupported(
                archive: path, member: entry.name,
                reason: "member is compressed (method \(entry.method)), not stored")
        }
        try checkReadable(entry)
        let range = try dataRange(of: entry)
        guard entry.compressedSize == entry.uncompressedSize else {
            throw ZipError.sizeMismatch(
                archive: path, member: entry.name,
                declared: entry.uncompressedSize, actual: entry.compressedSize)
        }
        let slice = UnsafeRawBufferPointer(rebasing: file.bytes[range])
        if verifyingCRC { try verifyCRC(slice, of: entry) }
        return slice
    }

    /// The uncompressed contents of `entry`: a zero-copy slice for stored members, an inflated owned
    /// buffer for deflated ones (whose crc32 is always verified).
    public func contents(of entry: ZipEntry, verifyingCRC: Bool = false) throws -> ZipMemberData {
        switch entry.method {
        case 0:
            return ZipMemberData(bytes: try storedBytes(of: entry, verifyingCRC: verifyingCRC), owner: self)
        case 8:
            try checkReadable(entry)
            let range = try dataRange(of: entry)
            let compressed = UnsafeRawBufferPointer(rebasing: file.bytes[range])
            // Deflate cannot expand by more than about 1032:1; refuse absurd declared sizes up front.
            let limit = compressed.count.multipliedReportingOverflow(by: 1032)
            guard !limit.overflow, entry.uncompressedSize <= limit.partialValue + 64 else {
                throw ZipError.corrupt(
                    archive: path,
                    reason: "member '\(entry.name)' declares "
                        + "\(entry.uncompressedSize) uncompressed bytes from \(compressed.count) compressed bytes")
            }
            let data = ZipMemberData(allocating: entry.uncompressedSize)
            do {
                try RawInflate.inflate(compressed, into: data.mutableBytes)
            } catch let failure as RawInflate.Failure {
                switch failure {
                case .zlib(let message):
                    throw ZipError.inflateFailed(archive: path, member: entry.name, reason: message)
                case .tooShort(let actual):
                    throw ZipError.sizeMismatch(
                        archive: path, member: entry.name,
                        declared: entry.uncompressedSize, actual: actual)
                case .tooLong:
                    throw ZipError.sizeMismatch(
                        archive: path, member: entry.name,
                        declared: entry.uncompressedSize, actual: entry.uncompressedSize + 1)
                }
            }
            try verifyCRC(data.bytes, of: entry)
            return data
        default:
            throw ZipError.unsupported(
                archive: path, member: entry.name,
                reason: "compression method \(entry.method) (only 0 and 8 are supported)")
        }
    }

    /// The contents of the member called `name`.
    public func contents(ofMemberNamed name: String, verifyingCRC: Bool = false) throws -> ZipMemberData {
        guard let entry = entry(named: name) else {
            throw ZipError.memberNotFound(archive: path, member: name)
        }
        return try contents(of: entry, verifyingCRC: verifyingCRC)
    }

    /// Checks `bytes` against the crc32 recorded for `entry`.
    public func verifyCRC(_ bytes: UnsafeRawBufferPointer, of entry: ZipEntry) throws {
        let actual = crc32Checksum(bytes)
        guard actual == entry.crc32 else {
            throw ZipError.checksumMismatch(archive: path, member: entry.name, expected: entry.crc32, actual: actual)
        }
    }

    private func checkReadable(_ entry: ZipEntry) throws {
        if entry.flags & 1 != 0 {
            throw ZipError.unsupported(archive: path, member: entry.name, reason: "encrypted member")
        }
    }
}

/// The uncompressed bytes of one zip member: either a slice of the archive's mapping (kept alive by
/// a reference to the archive) or an owned buffer freed on deinit.
/// `@unchecked Sendable`: immutable after `init`; it points into read-only bytes that it keeps alive.
public final class ZipMemberData: @unchecked Sendable {
    /// The member's bytes, valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer
    private let owner: AnyObject?
    private let allocation: UnsafeMutableRawPointer?

    init(bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.bytes = bytes
        self.owner = owner
        allocation = nil
    }

    init(allocating count: Int) {
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        allocation = base
        bytes = UnsafeRawBufferPointer(start: base, count: count)
        owner = nil
    }

    var mutableBytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(mutating: bytes)
    }

    /// A copy of the bytes.
    public var array: [UInt8] { withBytes { [UInt8]($0) } }

    /// Calls `body` with the bytes while keeping this object (and so the bytes) alive.
    ///
    /// Use this rather than `bytes` when the `ZipMemberData` is a temporary: Swift may release an
    /// object right after its last use, which would free a deflated member's buffer while it is read.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(bytes) }
    }

    deinit { allocation?.deallocate() }
}
