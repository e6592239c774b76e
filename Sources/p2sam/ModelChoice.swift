import Foundation
import P2SAM

/// `--model` of `sample` and `evaluate`: a bundled model by name (`lidc`, `bubil`, `synthetic`), a path, or
/// nothing (the default model, as before). A named model, or a path with a card `<stem>.md` beside it, is
/// checked against its card's sha256.
struct ModelChoice {
    var url: URL
    /// e.g. `lidc (Models/p2sam/lidc.safetensors; card lidc.md, sha256 checked)`.
    var label: String
    /// What the model was trained on (the bundled entry's line, else the file's metadata `dataset`).
    var trainedOn: String

    /// The bundled names for help texts.
    static var names: String { P2SAMModelCard.entries.map(\.name).joined(separator: "|") }

    static func resolve(_ option: String?) throws -> ModelChoice {
        guard let option else {
            let url = try P2SAMModelLocation.locate()
            return ModelChoice(
                url: url, label: "synthetic, the default (\(url.path))",
                trainedOn: P2SAMModelCard.entry(named: "synthetic")!.trainedOn)
        }
        let url = try P2SAMModelCard.resolve(option)
        let card = try P2SAMModelCard.verify(model: url)
        let entry = P2SAMModelCard.entry(named: option)
        let trainedOn =
            entry?.trainedOn
            ?? ((try? P2SAMModelFile.readMetadata(contentsOf: url))?["dataset"].map { "dataset \($0)" }
                ?? "unknown data")
        let cardText = card.map { "; card \($0.lastPathComponent), sha256 checked" } ?? ""
        return ModelChoice(url: url, label: "\(entry?.name ?? option) (\(url.path)\(cardText))", trainedOn: trainedOn)
    }

    /// The line the commands print.
    var description: String { "model: \(label); trained on \(trainedOn)" }
}
