/// How a sampled latent `z` (256 values) enters the mask decoder (see docs/p2sam-model.md).
public enum LatentInjection: String, Sendable, Codable, CaseIterable {
    /// Official code: `Fcomb([z ; no_mask_embed])` replaces the dense prompt embedding.
    case dense
    /// Paper text: `z` is one extra sparse prompt token.
    case sparse
}

/// The default prompt a model was trained with.
public enum DefaultPrompt: String, Sendable, Codable, CaseIterable {
    /// No box or point tokens.
    case none
    /// The full-image box `[0, 0, 255, 255]` in the model frame.
    case fullBox = "full-box"
}

/// Architecture settings of a P²SAM model, stored in its file's metadata.
public struct P2SAMConfiguration: Sendable, Equatable {
    public var injection: LatentInjection
    public var defaultPrompt: DefaultPrompt
    /// PGN block widths (default `[32, 64, 128, 192]`).
    public var pgnWidths: [Int]
    public var latentDim: Int
    /// Number of mask tokens in the decoder: 1 (LiteMedSAM's single-mask token) + 8 outputs.
    public var maskTokenCount: Int

    public static let formatName = "p2sam-v1"

    public init(injection: LatentInjection = .sparse, defaultPrompt: DefaultPrompt = .none,
                pgnWidths: [Int] = [32, 64, 128, 192], latentDim: Int = 256, maskTokenCount: Int = 9) {
        self.injection = injection
        self.defaultPrompt = defaultPrompt
        self.pgnWidths = pgnWidths
        self.latentDim = latentDim
        self.maskTokenCount = maskTokenCount
    }

    /// Number of fused outputs (`maskTokenCount − 1`).
    public var outputCount: Int { maskTokenCount - 1 }

    /// Reads the settings from safetensors metadata.
    public init(metadata: [String: String]) throws {
        guard metadata["format"] == Self.formatName else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'format' is \(metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(Self.formatName)'")
        }
        guard let injectionName = metadata["injection"], let injection = LatentInjection(rawValue: injectionName) else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'injection' must be dense or sparse, found \(metadata["injection"] ?? "nothing")")
        }
        let prompt = DefaultPrompt(rawValue: metadata["prompt"] ?? "none")
        guard let prompt else { throw P2SAMModelError.notAP2SAMModel("metadata 'prompt' must be none or full-box") }
        let widths = (metadata["pgn_widths"] ?? "32,64,128,192").split(separator: ",").compactMap { Int($0) }
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'pgn_widths' must be four positive integers")
        }
        let latent = Int(metadata["latent_dim"] ?? "256") ?? -1
        guard latent == 256 else { throw P2SAMModelError.notAP2SAMModel("latent_dim must be 256 (the SAM token width), found \(latent)") }
        self.init(injection: injection, defaultPrompt: prompt, pgnWidths: widths, latentDim: latent)
    }

    /// The metadata entries describing these settings.
    public var metadata: [String: String] {
        ["format": Self.formatName, "injection": injection.rawValue, "prompt": defaultPrompt.rawValue,
         "pgn_widths": pgnWidths.map(String.init).joined(separator: ","), "latent_dim": String(latentDim)]
    }
}

/// Errors of loading or using a P²SAM model.
public enum P2SAMModelError: Error, CustomStringConvertible, Equatable {
    case notAP2SAMModel(String)
    case invalidSampleCount(Int, maximum: Int)
    case invalidSeed(String)

    public var description: String {
        switch self {
        case .notAP2SAMModel(let why): return "not a P²SAM model for this backbone: \(why)"
        case .invalidSampleCount(let n, let maximum): return "sample count \(n) is out of range: use 1…\(maximum)"
        case .invalidSeed(let why): return "invalid seed: \(why)"
        }
    }
}
