/// One member of a zip archive, as described by its central-directory record (ZIP64 fields applied).
public struct ZipEntry: Sendable, Equatable {
    /// The member's path inside the archive.
    public let name: String
    /// Compression method: 0 = stored, 8 = deflate.
    public let method: Int
    /// General-purpose flag bits.
    public let flags: Int
    /// Size of the member's data in the archive.
    public let compressedSize: Int
    /// Size of the member's data once decompressed.
    public let uncompressedSize: Int
    /// Offset of the member's local file header.
    public let localHeaderOffset: Int
    /// CRC-32 of the uncompressed data.
    public let crc32: UInt32

    /// Whether the member is stored without compression (so it can be read zero-copy).
    public var isStored: Bool { method == 0 }
}
