import Foundation
import LiteMedSAM
import TorchCheckpoint

/// The bundled P²SAM models by name (`p2sam sample --model lidc|bubil|synthetic`) and their model cards.
///
/// A bundled model is one file `Models/p2sam/<file>.safetensors` or a mixture of several (trainings of one recipe
/// with different seeds, sampled together as a `P2SAMMixture`). Its card `Models/p2sam/<name>.md` states the
/// sha256 of each file in a table row whose second cell is the hex digest in a code span and whose first cell is
/// `sha256` for a model of one file (the card is then `<file stem>.md` beside it) or `sha256 (FILE NAME)` per file
/// of a mixture. A card whose digest is not the file's is an error (the card would describe another model).
public enum P2SAMModelCard {
    /// A bundled model: its name, its files inside `Models/`, its card, and what it was trained on.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Relative to `Models/`: one file (e.g. `p2sam/default.safetensors`) or the components of a mixture, in the
        /// order they draw their samples (e.g. `p2sam/lidc-1.safetensors`, `p2sam/lidc-2.safetensors`, ...).
        public let relativePaths: [String]
        /// The card, relative to `Models/`, e.g. `p2sam/lidc.md`.
        public let cardRelativePath: String
        /// One line: the training data and its licence.
        public let trainedOn: String

        /// Whether the model is a mixture of several files.
        public var isMixture: Bool { relativePaths.count > 1 }

        /// The environment variable that names the model directly: `P2SAM_MODEL_<NAME>`, the file of a
        /// one-file model or the folder holding a mixture's files.
        public var environmentVariable: String { "P2SAM_MODEL_" + name.uppercased() }

        /// The card's file name, e.g. `lidc.md`.
        public var cardFileName: String { URL(fileURLWithPath: cardRelativePath).lastPathComponent }

        /// The file names of the model's files, e.g. `lidc-1.safetensors`.
        public var fileNames: [String] { relativePaths.map { URL(fileURLWithPath: $0).lastPathComponent } }
    }

    /// The bundled models; `synthetic` is the default (`Models/p2sam/default.safetensors`).
    public static let entries: [Entry] = [
        Entry(
            name: "synthetic", relativePaths: ["p2sam/default.safetensors"], cardRelativePath: "p2sam/default.md",
            trainedOn: "the project's synthetic blobs (synthetic:120:1), freely redistributable"),
        Entry(
            name: "lidc",
            relativePaths: (1...3).map { "p2sam/lidc-\($0).safetensors" }, cardRelativePath: "p2sam/lidc.md",
            trainedOn:
                "LIDC-IDRI lung CT nodule crops, 3 patients (lidc-real, CC BY 3.0), lung window; a mixture of 3 trainings of one recipe (seeds 1-3), each drawing a third of the samples"
        ),
        Entry(
            name: "bubil",
            relativePaths: (1...3).map { "p2sam/bubil-\($0).safetensors" }, cardRelativePath: "p2sam/bubil.md",
            trainedOn:
                "BU-BIL dataset 1 phase-contrast cell microscopy, 35 images and their mirror images, 10 expert masks (BSD-style notice, Boston University); a mixture of 3 trainings of one recipe (seeds 1-3), each drawing a third of the samples; box-following (give it the cell's box; it jitters the box per sample by its stored box_jitter 0.1; without a box each file boxes the largest region of its own mask with its box proposal, each sample keeping its largest connected region)"
        ),
    ]

    /// The entry called `name`, or nil (then `name` is a path).
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The entry one of whose files is `url` (by file name), or nil.
    public static func entry(for url: URL) -> Entry? {
        entries.first { $0.fileNames.contains(url.lastPathComponent) }
    }

    /// Resolves `--model`: a bundled name to its files (searched as the default model is: `$P2SAM_MODEL_<NAME>`,
    /// the user cache, `Models/` here, in the checkout or above the executable; each file of a mixture on its own),
    /// or a path to itself.
    ///
    /// - Parameters:
    ///   - nameOrPath: a bundled model's name (`P2SAMModelCard.entries`) or a model file's path.
    ///   - environment: the process environment (injectable for tests). For a mixture, `$P2SAM_MODEL_<NAME>`
    ///     names the folder that holds all of its files.
    /// - Returns: one URL, or a mixture's files in sampling order.
    /// - Throws: `ModelSearchError.notFound` when a bundled file is nowhere; `P2SAMModelError.invalidMixture` when
    ///   `$P2SAM_MODEL_<NAME>` names a folder that lacks one of a mixture's files.
    public static func resolve(
        _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [URL] {
        guard let entry = entry(named: nameOrPath) else { return [URL(fileURLWithPath: nameOrPath)] }
        if let named = environment[entry.environmentVariable], !named.isEmpty {
            guard entry.isMixture else { return [URL(fileURLWithPath: named)] }
            let folder = URL(fileURLWithPath: named, isDirectory: true)
            let files = entry.fileNames.map { folder.appendingPathComponent($0) }
            let missing = files.filter { !FileManager.default.fileExists(atPath: $0.path) }
            guard missing.isEmpty else {
                throw P2SAMModelError.invalidMixture(
                    "\(entry.environmentVariable) names the folder \(folder.path), which lacks \(missing.map(\.lastPathComponent).joined(separator: ", ")) (the \(entry.name) model is \(entry.fileNames.count) files: \(entry.fileNames.joined(separator: ", ")), with the card \(entry.cardFileName))"
                )
            }
            return files
        }
        var searched = environment
        searched[entry.environmentVariable] = nil
        return try entry.relativePaths.map {
            try ModelSearch(environmentVariable: entry.environmentVariable, relativePath: $0).locate(
                environment: searched)
        }
    }

    /// Resolves `--model` (`resolve(_:environment:)`) and checks each file against its card (`verify(model:)`),
    /// reporting every file's outcome rather than stopping at the first problem (for a listing such as
    /// `p2sam models`).
    ///
    /// - Parameters:
    ///   - nameOrPath: a bundled model's name or a model file's path.
    ///   - environment: the process environment (injectable for tests), as for `resolve(_:environment:)`.
    /// - Returns: the files in sampling order, each with its card (nil: no card, not checked) or the error of its
    ///   check (`P2SAMModelError.cardMismatch`, or the file could not be read).
    /// - Throws: the errors of `resolve(_:environment:)`.
    public static func checkedFiles(
        _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [(url: URL, card: Result<URL?, any Error>)] {
        try resolve(nameOrPath, environment: environment).map { url in
            (url, Result { try verify(model: url) })
        }
    }

    /// Resolves `--model` and requires every file to match its card: the one way a named model or a path is
    /// turned into files to load.
    ///
    /// - Parameters:
    ///   - nameOrPath: a bundled model's name or a model file's path.
    ///   - environment: the process environment (injectable for tests), as for `resolve(_:environment:)`.
    /// - Returns: the files in sampling order, each with the card it matched (nil: the file has no card).
    /// - Throws: the errors of `resolve(_:environment:)`; the first file's `P2SAMModelError.cardMismatch` or read
    ///   error.
    public static func verifiedFiles(
        _ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [(url: URL, card: URL?)] {
        try checkedFiles(nameOrPath, environment: environment).map { ($0.url, try $0.card.get()) }
    }

    /// The card of a model file, or nil when there is none: `<stem>.md` beside it, else, for a file of a bundled
    /// mixture, that mixture's card beside it (`lidc-2.safetensors` → `lidc.md`).
    public static func cardURL(for model: URL) -> URL? {
        let own = model.deletingPathExtension().appendingPathExtension("md")
        if FileManager.default.fileExists(atPath: own.path) { return own }
        guard let entry = entry(for: model), entry.isMixture else { return nil }
        let shared = model.deletingLastPathComponent().appendingPathComponent(entry.cardFileName)
        return FileManager.default.fileExists(atPath: shared.path) ? shared : nil
    }

    /// The sha256 a card states for the file `fileName`: the first table row "sha256 (`fileName`)" with a
    /// 64-digit hex code span; when the card has no such row (and `fileName` is nil or the card describes one
    /// file), the first row "sha256". Nil when neither is there.
    public static func statedSHA256(inCard text: String, forFile fileName: String? = nil) -> String? {
        var plain: String? = nil
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            let digest = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")).lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else { continue }
            if let fileName, cells[0] == "sha256 (\(fileName))" { return digest }
            if cells[0] == "sha256" && plain == nil { plain = digest }
        }
        return plain
    }

    /// Checks the model file against its card, when it has one: returns the card's URL (nil: no card).
    ///
    /// - Throws: `P2SAMModelError.cardMismatch` when the card states no sha256 for the file or another one than
    ///   the file's.
    @discardableResult
    public static func verify(model: URL) throws -> URL? {
        guard let card = cardURL(for: model) else { return nil }
        let text = try String(contentsOf: card, encoding: .utf8)
        let name = model.lastPathComponent
        guard let stated = statedSHA256(inCard: text, forFile: name) else {
            throw P2SAMModelError.cardMismatch(
                "\(card.path) states no sha256 for \(name) (a table row | sha256 | `HEX` |, or | sha256 (\(name)) | `HEX` | for a file of a mixture)"
            )
        }
        let actual = try SHA256.hexDigest(ofFileAt: model.path)
        guard actual == stated else {
            throw P2SAMModelError.cardMismatch(
                "\(model.path) has sha256 \(actual), but its card \(card.lastPathComponent) describes \(stated): the file was replaced or the card is stale"
            )
        }
        return card
    }
}
