import Foundation
import P2SAM

/// `--model` of `sample` and `evaluate`: a bundled model by name (`lidc`, `bubil`, `synthetic`), a path, or
/// nothing (the default model, as before). A named model, or a path with a card `<stem>.md` beside it, is
/// checked against its card's sha256. A bundled mixture (`lidc`) is several files: each becomes a component.
struct ModelChoice {
    /// The model's files: one, or a bundled mixture's components in sampling order.
    var urls: [URL]
    /// e.g. `lidc, a mixture of 3 trainings (Models/p2sam/lidc-1.safetensors, …; card lidc.md, sha256 checked)`.
    var label: String
    /// What the model was trained on (the bundled entry's line, else the file's metadata `dataset`).
    var trainedOn: String
    /// The bundled name or the path given; with `cardText`, names each file of a mixture.
    var name: String = ""
    /// e.g. `; card lidc.md, sha256 checked`, or empty.
    var cardText: String = ""

    /// The bundled names for help texts.
    static var names: String { P2SAMModelCard.entries.map(\.name).joined(separator: "|") }

    static func resolve(_ option: String?) throws -> ModelChoice {
        guard let option else {
            let url = try P2SAMModelLocation.locate()
            return ModelChoice(
                urls: [url], label: "synthetic, the default (\(url.path))",
                trainedOn: P2SAMModelCard.entry(named: "synthetic")!.trainedOn)
        }
        let files = try P2SAMModelCard.verifiedFiles(option)
        let urls = files.map(\.url)
        let cards = files.map(\.card)
        let entry = P2SAMModelCard.entry(named: option)
        let trainedOn =
            entry?.trainedOn
            ?? ((try? P2SAMModelFile.readMetadata(contentsOf: urls[0]))?["dataset"].map { "dataset \($0)" }
                ?? "unknown data")
        let cardText = cards[0].map { "; card \($0.lastPathComponent), sha256 checked" } ?? ""
        let kind = urls.count > 1 ? ", a mixture of \(urls.count) trainings" : ""
        let paths = urls.map(\.path).joined(separator: ", ")
        return ModelChoice(
            urls: urls, label: "\(entry?.name ?? option)\(kind) (\(paths)\(cardText))", trainedOn: trainedOn,
            name: entry?.name ?? option, cardText: cardText)
    }

    /// The line the commands print.
    var description: String { "model: \(label); trained on \(trainedOn)" }

    /// One line per file, in sampling order: `description` for a model of one file, else e.g.
    /// `model: lidc 2 of 3 (PATH; card lidc.md, sha256 checked); trained on …`.
    var componentDescriptions: [String] {
        guard urls.count > 1 else { return [description] }
        return urls.enumerated().map { k, url in
            "model: \(name) \(k + 1) of \(urls.count) (\(url.path)\(cardText)); trained on \(trainedOn)"
        }
    }
}
