import Foundation

/// What an AutoMedSAM model is: its classes (ids and names, as in the training data's `classes.json`),
/// its prompt branches, the dense attention's activation, the class coding and the diffusion's noise levels. Stored as
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
    /// The factor `s` of the noise's standard deviation `s / (t + 1)` (1: the released code's `1 / (t + 1)`).
    public var noiseScale: Float
    /// Whether LiteMedSAM's dense positional encoding is added to the image embedding at the class prompt
    /// encoder's input (our addition: LiteMedSAM's TinyViT embedding has no absolute position, SAM's ViT has).
    public var positionalInput: Bool
    /// Whether the sparse branch adds a learned pair of tokens per class (`sparse.class_tokens`, `(K, 512)`)
    /// to its pooled tokens (our addition; initialised to the class's mean box tokens, see `docs/automedsam.md`).
    public var classTokens: Bool
    /// How the class becomes the class prompt encoder's 64x64 class map (`ClassCoding`; `.map`, the released
    /// code, for files written before the option existed).
    public var classCoding: ClassCoding

    /// A configuration of `classes`, `branches`, the dense attention's sigmoid, `noiseSteps` (T, 0 = off)
    /// and `noiseScale`, `positionalInput` and `classTokens` (the additions of `docs/automedsam.md`; the
    /// defaults are the paper's model) and `classCoding` (default `.map`, the released code's).
    ///
    /// - Throws: `AutoMedSAMError.invalidInput` for no class, an id outside 1…255, an empty name, a
    ///   negative T, a noise scale that is not positive and finite, or `.denseWithClassTokens` without
    ///   `classTokens`.
    public init(
        classes: [Int: String], branches: PromptBranches, denseAttentionSigmoid: Bool = true, noiseSteps: Int = 10,
        noiseScale: Float = 1, positionalInput: Bool = false, classTokens: Bool = false,
        classCoding: ClassCoding = .map
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
        guard noiseScale > 0, noiseScale.isFinite else {
            throw AutoMedSAMError.invalidInput("the noise scale must be positive and finite")
        }
        guard !branches.classTokensAlone || classTokens else {
            throw AutoMedSAMError.invalidInput("branches '\(branches.rawValue)' needs the class tokens")
        }
        self.noiseScale = noiseScale
        self.positionalInput = positionalInput
        self.classTokens = classTokens
        self.classCoding = classCoding
        self.classes = classes
        self.branches = branches
        self.denseAttentionSigmoid = denseAttentionSigmoid
        self.noiseSteps = noiseSteps
    }

    /// Class ids in row order (ascending).
    public var classIDs: [Int] { classes.keys.sorted() }

    /// The training noise (`DiffusionNoise` of `noiseSteps` levels scaled by `noiseScale`).
    public var noise: DiffusionNoise { DiffusionNoise(steps: noiseSteps, scale: noiseScale) }

    /// The class prompt encoder's row of class `id`.
    ///
    /// - Throws: `AutoMedSAMError.unknownClass` for an id the model does not have.
    public func row(ofClass id: Int) throws -> Int {
        guard let row = classIDs.firstIndex(of: id) else { throw AutoMedSAMError.unknownClass(id: id, known: classes) }
        return row
    }

    /// The model-file metadata: `format`, `classes` (JSON object id → name), `branches`,
    /// `dense_attention` (`sigmoid` | `linear`), `noise_steps`, `noise_scale`, `positional_input` and
    /// `class_tokens` (`true` | `false`), `class_coding` (`map` | `index`).
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
            "noise_scale": String(noiseScale),
            "positional_input": String(positionalInput),
            "class_tokens": String(classTokens),
            "class_coding": classCoding.rawValue,
        ]
    }

    /// Reads the configuration from model-file metadata (files without `noise_scale`, `positional_input`,
    /// `class_tokens` or `class_coding`, written before they existed, get 1, false, false and `map`).
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
            throw AutoMedSAMError.notAModel(
                "metadata 'branches' must be "
                    + PromptBranches.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let attention = metadata["dense_attention"], ["sigmoid", "linear"].contains(attention) else {
            throw AutoMedSAMError.notAModel("metadata 'dense_attention' must be sigmoid or linear")
        }
        guard let steps = metadata["noise_steps"].flatMap(Int.init) else {
            throw AutoMedSAMError.notAModel("metadata 'noise_steps' must be an integer")
        }
        guard let scale = Float(metadata["noise_scale"] ?? "1") else {
            throw AutoMedSAMError.notAModel("metadata 'noise_scale' must be a number")
        }
        let coding = metadata["class_coding"] ?? ClassCoding.map.rawValue
        guard let classCoding = ClassCoding(rawValue: coding) else {
            throw AutoMedSAMError.notAModel(
                "metadata 'class_coding' is '\(coding)'; this version knows "
                    + ClassCoding.allCases.map(\.rawValue).joined(separator: " and "))
        }
        func flag(_ key: String) throws -> Bool {
            guard let text = metadata[key] else { return false }
            guard let value = Bool(text) else {
                throw AutoMedSAMError.notAModel("metadata '\(key)' must be true or false")
            }
            return value
        }
        do {
            try self.init(
                classes: classes, branches: branches, denseAttentionSigmoid: attention == "sigmoid", noiseSteps: steps,
                noiseScale: scale, positionalInput: try flag("positional_input"), classTokens: try flag("class_tokens"),
                classCoding: classCoding)
        } catch let AutoMedSAMError.invalidInput(why) {
            throw AutoMedSAMError.notAModel(why)
        }
    }
}
