import Foundation

/// A NumPy `.npz` archive: a zip of `.npy` members, stored (`np.savez`) or deflated
/// (`np.savez_compressed`).
/// `@unchecked Sendable`: immutable after `init` (a `let` read-only `ZipArchive`).
public final class NPZArchive: @unchecked Sendable {
    /// The underlying zip archive.
    public let zip: ZipArchive
    /// The most bytes a compressed member may inflate to; larger ones are refused before inflating.
    /// (Stored members are views of the file and need no limit.)
    public let maxInflatedMemberBytes: Int

    /// Opens and memory-maps the archive at `url`.
    public convenience init(contentsOf url: URL, maxInflatedMemberBytes: Int = .max) throws {
        try self.init(zip: ZipArchive(path: url.path), maxInflatedMemberBytes: maxInflatedMemberBytes)
    }

    /// Reads the `.npy` members of an opened zip archive (e.g. one parsed from bytes in memory).
    public init(zip: ZipArchive, maxInflatedMemberBytes: Int = .max) {
        self.zip = zip
        self.maxInflatedMemberBytes = maxInflatedMemberBytes
    }

    /// Member names without the `.npy` suffix, in archive order.
    public var names: [String] {
        zip.names.map { $0.hasSuffix(".npy") ? String($0.dropLast(4)) : $0 }
    }

    /// The numeric array called `name` (with or without the `.npy` suffix).
    public func array(named name: String) throws -> NumpyArray {
        let (data, source) = try member(named: name)
        return try data.withBytes { try NPY.read($0, source: source) }
    }

    /// The string array called `name` (`<U n` or `|S n`) as a flat C-order list.
    public func strings(named name: String) throws -> [String] {
        let (data, source) = try member(named: name)
        return try data.withBytes { try NPY.readStrings($0, source: source).values }
    }

    private func member(named name: String) throws -> (ZipMemberData, String) {
        guard let entry = zip.entry(named: name + ".npy") ?? zip.entry(named: name) else {
            throw NumpyError.memberNotFound(archive: zip.path, name: name)
        }
        guard entry.method == 0 || entry.uncompressedSize <= maxInflatedMemberBytes else {
            throw NumpyError.memberTooLarge(
                archive: zip.path, name: entry.name, bytes: entry.uncompressedSize,
                limit: maxInflatedMemberBytes)
        }
        return (try zip.contents(of: entry), "\(zip.path):\(entry.name)")
    }
}
