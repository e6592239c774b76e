import Foundation
import P2SAM

/// How the latent sample z enters the mask decoder: the inference module's `LatentInjection`
/// (`docs/p2sam-model.md`, forward pass step 5).
public typealias Injection = LatentInjection

/// The default prompt of a P²SAM model (metadata `prompt`): the inference module's `DefaultPrompt`.
public typealias DefaultPrompt = P2SAM.DefaultPrompt

/// How the 8 assembling weights are parametrised (all 8 are stored either way).
public enum AssemblingParametrisation: String, Sendable, Codable, CaseIterable {
    /// Eight free weights, initialised to 1/8.
    case free
    /// P²SAM's official form: `w_0 = 1 − Σ w_{1…7}`; only w_1…w_7 are optimised.
    case official
    /// No assembling (the "stage 1 without assembling" ablation): w fixed to (1, 0, …, 0), never
    /// trained, so the output is mask token 1's logits alone.
    case single
}

/// The architecture choices of one P²SAM model, as recorded in the model file's metadata.
public struct P2SAMConfiguration: Sendable, Equatable, Codable {
    /// Mask tokens of the decoder: 9 for P²SAM (token 0 = LiteMedSAM's, 1…8 = P²SAM's outputs).
    /// Other counts exist only for parity checks against LiteMedSAM (4).
    public var maskTokenCount: Int
    public var injection: Injection
    public var prompt: DefaultPrompt
    public var assembling: AssemblingParametrisation
    /// Output channels of the PGN's 4 blocks (default `[32, 64, 128, 192]`; CPU-light `[16, 32, 64, 128]`).
    public var pgnWidths: [Int]
    /// Dimension of z (256: the decoder's token width).
    public let latentDim: Int = 256

    public static let defaultPGNWidths = [32, 64, 128, 192]
    public static let lightPGNWidths = [16, 32, 64, 128]

    public init(maskTokenCount: Int = 9, injection: Injection = .sparse, prompt: DefaultPrompt = .fullBox,
                assembling: AssemblingParametrisation = .free, pgnWidths: [Int] = P2SAMConfiguration.defaultPGNWidths) {
        precondition(pgnWidths.count == 4 && pgnWidths.allSatisfy { $0 > 0 }, "the PGN has 4 blocks")
        self.maskTokenCount = maskTokenCount
        self.injection = injection
        self.prompt = prompt
        self.assembling = assembling
        self.pgnWidths = pgnWidths
    }

    /// Number of P²SAM outputs fused by the assembling weights (`maskTokenCount − 1`).
    public var outputCount: Int { maskTokenCount - 1 }

    enum CodingKeys: String, CodingKey { case maskTokenCount, injection, prompt, assembling, pgnWidths }
}
