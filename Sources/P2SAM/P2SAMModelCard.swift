import Foundation
import LiteMedSAM
import TorchCheckpoint

/// The bundled P²SAM models by name (`p2sam sample --model lidc|bubil|synthetic`) and their model cards.
///
/// Each bundled model `Models/p2sam/<file>.safetensors` has a card `<file>.md` beside it whose table holds the
/// table row "sha256" whose cell is the hex digest in a code span; a card whose digest is not the file's is an error (the card would describe
/// another model).
public enum P2SAMModelCard {
    /// A bundled model: its name, its file inside `Models/`, and what it was trained on.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Relative to `Models/`, e.g. `p2sam/lidc.safetensors`.
        public let relativePath: String
        /// One line: the training data and its licence.
        public let trainedOn: String
    }

    /// The bundled models; `synthetic` is the default (`Models/p2sam/default.safetensors`).
    public static let entries: [Entry] = [
        Entry(
            name: "synthetic", relativePath: "p2sam/default.safetensors",
            trainedOn: "the project's synthetic blobs (synthetic:120:1), freely redistributable"),
        Entry(
            name: "lidc", relativePath: "p2sam/lidc.safetensors",
            trainedOn: "LIDC-IDRI lung CT nodule crops, 3 patients (lidc-real, CC BY 3.0), lung window"),
        Entry(
            name: "bubil", relativePath: "p2sam/bubil.safetensors",
            trainedOn:
                "BU-BIL dataset 1 phase-contrast cell microscopy, 35 images, 10 expert masks (BSD-style notice, Boston University); box-following (give it the cell's box; it jitters the box per sample by its stored box_jitter 0.1; without a box it boxes the cell itself with its box proposal, each sample keeping its largest connected region)"
        ),
    ]

    /// The entry called `name`, or nil (then `name` is a path).
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The entry whose file is `url` (by file name), or nil.
    public static func entry(for url: URL) -> Entry? {
        entries.first { URL(fileURLWithPath: $0.relativePath).lastPathComponent == url.lastPathComponent }
    }

    /// Resolves `--model`: a bundled name (searched as the default model is: `$P2SAM_MODEL_<NAME>`, the user
    /// cache, `Models/` here, in the checkout or above the executable) or a path.
    public static func resolve(_ nameOrPath: String) throws -> URL {
        guard let entry = entry(named: nameOrPath) else { return URL(fileURLWithPath: nameOrPath) }
        let search = ModelSearch(
            environmentVariable: "P2SAM_MODEL_" + entry.name.uppercased(), relativePath: entry.relativePath)
        return try search.locate()
    }

    /// The card of a model file: `<stem>.md` beside it, or nil when there is none.
    public static func cardURL(for model: URL) -> URL? {
        let card = model.deletingPathExtension().appendingPathExtension("md")
        return FileManager.default.fileExists(atPath: card.path) ? card : nil
    }

    /// The sha256 a card states (the first table row "sha256" with a 64-digit hex code span), or nil.
    public static func statedSHA256(inCard text: String) -> String? {
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0] == "sha256" else { continue }
            let digest = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            if digest.count == 64, digest.allSatisfy(\.isHexDigit) { return digest.lowercased() }
        }
        return nil
    }

    /// Checks the model file against its card, when it has one: returns the card's URL (nil: no card).
    ///
    /// - Throws: `P2SAMModelError.cardMismatch` when the card states no sha256 or another one than the file's.
    @discardableResult
    public static func verify(model: URL) throws -> URL? {
        guard let card = cardURL(for: model) else { return nil }
        let text = try String(contentsOf: card, encoding: .utf8)
        guard let stated = statedSHA256(inCard: text) else {
            throw P2SAMModelError.cardMismatch(
                "\(card.path) states no sha256 (a table row | sha256 | `HEX` |)")
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
