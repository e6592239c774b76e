import FileErrors
import Foundation
import TorchCheckpoint

/// The completion record `FolderExporter` writes last, and the marker it writes first.
///
/// `ROOT/.p2sam-export-incomplete` exists from the start of an export until its manifest
/// `ROOT/manifest.json` has been written (atomically), so an interrupted export (full disk, killed
/// process) is recognisable: `FolderDatasetReader` refuses a folder with the marker, or with a manifest
/// its case folders disagree with. A hand-made folder (neither file) is read as before.
public struct FolderManifest: Codable, Sendable, Equatable {
    /// One exported case: its folder name, rater count and whether it has `image.png`.
    public struct Case: Codable, Sendable, Equatable {
        public var id: String
        public var raters: Int
        public var image: Bool
    }

    /// The format tag, `p2sam-folder-v1`.
    public var format: String
    /// The cases in export order.
    public var cases: [Case]

    /// The manifest's file name inside the export root.
    public static let fileName = "manifest.json"
    /// The marker's file name inside the export root.
    public static let incompleteMarkerName = ".p2sam-export-incomplete"
    static let currentFormat = "p2sam-folder-v1"

    /// A manifest of the current format listing `cases` in export order.
    public init(cases: [Case]) {
        format = Self.currentFormat
        self.cases = cases
    }

    /// Writes the manifest into `root` atomically.
    func write(into root: URL) throws {
        let url = root.appendingPathComponent(Self.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw DataError.invalidFile(path: url.path, reason: FileErrorText.writing(error))
        }
    }

    /// The manifest in `root`, or nil when there is none; throws for an unreadable or malformed one.
    static func read(from root: URL) throws -> FolderManifest? {
        let url = root.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.invalidFile(path: url.path, reason: FileErrorText.reading(error))
        }
        guard let manifest = try? JSONDecoder().decode(FolderManifest.self, from: data),
            manifest.format == currentFormat
        else {
            throw DataError.invalidFile(path: url.path, reason: "not a \(currentFormat) export manifest")
        }
        return manifest
    }

    /// Throws unless the case folders (name, rater count, image) match the manifest exactly.
    func check(_ found: [Case], root: URL) throws {
        let path = root.appendingPathComponent(Self.fileName).path
        let listed = Dictionary(cases.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let present = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        if let missing = cases.first(where: { present[$0.id] == nil }) {
            throw DataError.invalidFile(path: path, reason: "case \(missing.id) is listed but its folder is missing")
        }
        if let extra = found.first(where: { listed[$0.id] == nil }) {
            throw DataError.invalidFile(path: path, reason: "case folder \(extra.id) is not listed in the manifest")
        }
        for expected in cases {
            let actual = present[expected.id]!
            guard actual.raters == expected.raters else {
                throw DataError.invalidFile(
                    path: path, reason: "case \(expected.id) has \(actual.raters) of \(expected.raters) rater masks")
            }
            guard actual.image == expected.image else {
                throw DataError.invalidFile(
                    path: path, reason: "case \(expected.id) \(expected.image ? "lacks" : "has an unlisted") image.png")
            }
        }
    }
}
