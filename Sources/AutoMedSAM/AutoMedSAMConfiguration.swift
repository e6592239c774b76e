import Foundation

/// What an AutoMedSAM model is: its classes (ids and names, as in the training data's `classes.json`),
/// its prompt branches, the dense attention's activation and the diffusion's noise levels. Stored as
/// model-file metadata (`docs/automedsam.md`).
public struct AutoMedSAMConfiguration: Sendable, Equatable, Codable {
    /// The metadata `format` of AutoMedSAM model files.
    public static let format = "automedsam-v1"

    /// Class names by id (1…255; 0 is background). The class prompt encoder's rows are the ids in
    /// ascending order.
    public var classes: [Int: String]
    public var branches: PromptBranches
    /// Whether the dense branch's element-wise attention goes through a sigmoid (the paper's σ).
    public var denseAttentionSigmoid: Bool
    /// T of the training noise (`DiffusionNoise`); 0 when trained without diffusion.
    public var noiseSteps: Int

    /// A configuration of `classes`, `branches`, the dense attention's sigmoid and `noiseSteps` (T, 0 = off).
    ///
    /// - Throws: `AutoMedSAMError.invalidInput` for no class, an id outside 1…255, an empty name or a
    ///   negative T.
    public init(
        classes: [Int: String], branches: PromptBranches, denseAttentionSigmoid: Bool = true, noiseSteps: Int = 10
    )
        throws
    {
        guard !classes.isEmpty else {
            throw AutoMedSAMError.invalidInput("an AutoMedSAM model needs at least one class")
        }
        if let bad = classes.first(where: { !(1...255).contains($0.key) || $0.value.isEmpty }) {
            throw AutoMedSAMError.invalidInput("class \(bad.key) '\(bad.value)': ids are 1…255 with non-empty names")
        }
        guard noiseSteps >= 0 else { throw AutoMedSAMError.invalidInput("noise steps must be >= 0") }
        self.classes = classes
        self.branches = branches
        self.denseAttentionSigmoid = denseAttentionSigmoid
        self.noiseSteps = noiseSteps
    }

    /// Class ids in row order (ascending).
    public var classIDs: [Int] { classes.keys.sorted() }

    /// The class prompt encoder's row of class `id`.
    ///
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func row(ofClass id: Int) throws -> Int {
        guard let row = classIDs.firstIndex(of: id) else { throw AutoMedSAMError.unknownClass(id: id, known: classes) }
        return row
    }

    /// The model-file metadata: `format`, `classes` (JSON object id → name), `branches`,
    /// `dense_attention` (`sigmoid` | `linear`), `noise_steps`.
    public var metadata: [String: String] {
        let names = Dictionary(uniqueKeysWithValues: classes.map { (String($0.key), $0.value) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return [
            "format": Self.format,
            "classes": json,
            "branches": branches.rawValue,
            "dense_attention": denseAttentionSigmoid ? "sigmoid" : "linear",
            "noise_steps": String(noiseSteps),
        ]
    }

    /// Reads the configuration from model-file metadata.
    ///
    /// - Throws: `AutoMedSAMError.notAModel` naming the missing or bad entry.
    public init(metadata: [String: String]) throws {
        guard metadata["format"] == Self.format else {
            throw AutoMedSAMError.notAModel("metadata 'format' is '\(metadata["format"] ?? "")', not '\(Self.format)'")
        }
        guard let text = metadata["classes"],
            let names = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        else { throw AutoMedSAMError.notAModel("metadata 'classes' is not a JSON object of ids to names") }
        var classes: [Int: String] = [:]
        for (key, name) in names {
            guard let id = Int(key) else { throw AutoMedSAMError.notAModel("class id '\(key)' is not an integer") }
            classes[id] = name
        }
        guard let branches = metadata["branches"].flatMap(PromptBranches.init(rawValue:)) else {
            throw AutoMedSAMError.notAModel("metadata 'branches' must be dense, sparse or both")
        }
        guard let attention = metadata["dense_attention"], ["sigmoid", "linear"].contains(attention) else {
            throw AutoMedSAMError.notAModel("metadata 'dense_attention' must be sigmoid or linear")
        }
        guard let steps = metadata["noise_steps"].flatMap(Int.init) else {
            throw AutoMedSAMError.notAModel("metadata 'noise_steps' must be an integer")
        }
        do {
            try self.init(
                classes: classes, branches: branches, denseAttentionSigmoid: attention == "sigmoid", noiseSteps: steps)
        } catch let AutoMedSAMError.invalidInput(why) {
            throw AutoMedSAMError.notAModel(why)
        }
    }
}
