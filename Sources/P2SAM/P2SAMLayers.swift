import LiteMedSAM
import SAMLayers
import SAMTensor

/// Every P²SAM layer apart from the image encoder, each declared once at its model-file key
/// (docs/p2sam-model.md): LiteMedSAM's prompt encoder and mask decoder (with
/// `configuration.maskTokenCount` mask tokens), the assembling weights, and from stage 2 the prompt
/// generation network and, for dense injection, Fcomb.
///
/// Inference (`P2SAMModel`) and training build it from a `WeightStore` the same way; its forward
/// (`decoderFeatures`, `assembledLogits`) runs in any `ForwardContext`.
public struct P2SAMLayers: Sendable, DeclaresParameters {
    /// The key of the assembling weights.
    public static let assemblingWeightsKey = "p2sam.assembling_weights"

    public let configuration: P2SAMConfiguration
    public let promptEncoder: PromptEncoder
    public let maskDecoder: MaskDecoder
    /// `p2sam.assembling_weights` `(K − 1)`: w for mask tokens 1…K−1.
    public let assemblingWeights: ParameterTensor
    /// Stage 2 only.
    public let pgn: PromptGenerationNetwork?
    /// Stage 2 with dense injection only.
    public let combiner: LatentCombiner?
    /// Stage 2 with `configuration.presenceHead` only.
    public let presence: PresenceHead?
    /// Stage 2 with `configuration.boxProposal` only.
    public let boxProposal: BoxProposal?
    /// Stage 2 with `configuration.presenceEvidence` only.
    public let presenceEvidence: PresenceEvidence?

    /// Reads the layers of a stage-`stage` model (1: no PGN or Fcomb; 2: with them) from `store`, strictly
    /// (missing or mis-shaped keys throw; the caller's `store.finish()` reports unused ones).
    public init(_ store: inout WeightStore, configuration: P2SAMConfiguration, stage: Int) throws {
        precondition(stage == 1 || stage == 2, "P²SAM stage \(stage) is not 1 or 2")
        self.configuration = configuration
        promptEncoder = try PromptEncoder(&store)
        maskDecoder = try MaskDecoder(&store, maskTokenCount: configuration.maskTokenCount)
        assemblingWeights = try ParameterTensor(&store, Self.assemblingWeightsKey, shape: [configuration.outputCount])
        if stage == 2 {
            pgn = try PromptGenerationNetwork(
                &store, widths: configuration.pgnWidths, latentDim: configuration.latentDim,
                logDeviationBound: configuration.logDeviationBound,
                logDeviationCeiling: configuration.logDeviationCeiling)
            combiner =
                configuration.injection == .dense ? try LatentCombiner(&store, latentDim: configuration.latentDim) : nil
            presence = configuration.presenceHead ? try PresenceHead(&store) : nil
            boxProposal = configuration.boxProposal ? try BoxProposal(&store) : nil
            presenceEvidence =
                configuration.presenceEvidence && configuration.presenceHead ? try PresenceEvidence(&store) : nil
        } else {
            pgn = nil
            combiner = nil
            presence = nil
            boxProposal = nil
            presenceEvidence = nil
        }
    }

    /// Whether `key` belongs to a stage-2 module (the PGN or Fcomb), which a stage-1 model lacks.
    public static func isStageTwoKey(_ key: String) -> Bool {
        key.hasPrefix(PromptGenerationNetwork.defaultKey + ".") || key.hasPrefix(LatentCombiner.defaultKey + ".")
            || key.hasPrefix(PresenceHead.defaultKey + ".") || key.hasPrefix(BoxProposal.defaultKey + ".")
            || key.hasPrefix(PresenceEvidence.defaultKey + ".")
    }

    /// The stage of the model in `store`: 2 when it holds a PGN, else 1.
    public static func stage(of store: WeightStore) -> Int {
        PromptGenerationNetwork.isPresent(in: store) ? 2 : 1
    }

    /// The mask tokens whose outputs are assembled: 1…K−1 (token 0 is LiteMedSAM's single-mask token), or 4…K−1
    /// with an isolated token context (tokens 0…3 are LiteMedSAM's).
    public var assembledTokens: [Int] {
        Array(configuration.maskTokenContext.coreMaskTokenCount..<configuration.maskTokenCount)
    }

    /// Every parameter, in the order prompt encoder, mask decoder, assembling weights, PGN, Fcomb, presence head,
    /// box proposal, presence evidence.
    public var parameterDeclarations: [ParameterDeclaration] {
        promptEncoder.parameterDeclarations + maskDecoder.parameterDeclarations
            + assemblingWeights.parameterDeclarations + (pgn?.parameterDeclarations ?? [])
            + (combiner?.parameterDeclarations ?? []) + (presence?.parameterDeclarations ?? [])
            + (boxProposal?.parameterDeclarations ?? []) + (presenceEvidence?.parameterDeclarations ?? [])
    }
}
