/// The architecture of one P²SAM model, used by inference and training alike and recorded in the model
/// file's metadata (`format`, `injection`, `prompt`, `pgn_widths`, `latent_dim`; docs/p2sam-model.md).
public struct P2SAMConfiguration: Sendable, Equatable, Codable {
    /// Mask tokens of the decoder: 9 for P²SAM (token 0 = LiteMedSAM's, 1…8 = P²SAM's outputs), 12 with
    /// `maskTokenContext` = `isolated` (0…3 = LiteMedSAM's, 4…11 = P²SAM's readers).
    /// Other counts exist only for parity checks against LiteMedSAM (4).
    public var maskTokenCount: Int
    /// Whether P²SAM's outputs share the decoder's token context (`shared`, files without the metadata key) or
    /// read LiteMedSAM's decoder without changing it (`isolated`, metadata `mask_token_context`).
    public var maskTokenContext: MaskTokenContext = .shared
    public var injection: LatentInjection
    /// The prompt used when the caller gives none (stored as metadata `prompt`).
    public var defaultPrompt: DefaultPrompt
    /// Training-time parametrisation of the assembling weights (not stored: the file holds all 8 weights).
    public var assembling: AssemblingParametrisation
    /// Output channels of the PGN's 4 blocks (default `[32, 64, 128, 192]`; CPU-light `[16, 32, 64, 128]`).
    public var pgnWidths: [Int]
    /// Whether the model has a presence head (`PresenceHead`, metadata `presence` = `head`): samples can be
    /// empty ("no lesion") with the predicted probability. False for files without the key.
    public var presenceHead: Bool
    /// Whether the model proposes its own box when the user gives none (`BoxProposal`, metadata `box_proposal` =
    /// `decoder`; stage 2). False for files without the key.
    public var boxProposal: Bool = false
    /// Whether the presence head adds per-image evidence (`PresenceEvidence`, metadata `presence_evidence` =
    /// `mask-statistics`; needs the presence head). False for files without the key.
    public var presenceEvidence: Bool = false
    /// With a box proposal and a presence head: how the presence draws are made when the proposal prompts the
    /// samples (metadata `box_proposal_presence_draw`; nil for files without the key: `PresenceDraw.independent`).
    /// A caller's `P2SAMSampler.presenceDraw` takes precedence.
    public var proposalPresenceDraw: PresenceDraw? = nil
    /// With a box proposal and a presence head: added to the presence logit when the proposal prompts the samples
    /// (metadata `box_proposal_presence_shift`; 0 for files without the key). A caller's
    /// `P2SAMSampler.presenceLogitShift` takes precedence.
    public var proposalPresenceShift: Float = 0
    /// With a box proposal: how many refinement passes the raw box gets (metadata `box_proposal_refinement`, a
    /// positive integer; 0 for files without the key: the raw box of one decode, as before). Each pass decodes again
    /// (z = μ) prompted by the current raw box and takes the tight box of that mask; it stops early when the box
    /// stops moving (`BoxProposal.refinedRawBox`).
    public var proposalRefinementPasses: Int = 0
    /// With a box proposal: which positive pixels of the model's own mask its raw box encloses (metadata
    /// `box_proposal_region`; `all` for files without the key). Fixed when the proposal is fitted (`p2sam train
    /// --box-proposal-only --box-proposal-region`), since the fitted offset and σ describe the raters' boxes around
    /// that raw box.
    public var proposalRegion: BoxProposalRegion = .all
    /// With a box proposal: whether each sample keeps only its largest connected region when the proposal prompts the
    /// samples (metadata `box_proposal_largest_component` = `true`; false for files without the key). Set after
    /// training (`p2sam set-temperature --proposal-largest-component on`), chosen on validation data. A caller's
    /// `P2SAMSampler.keepsLargestComponent` takes precedence.
    public var proposalKeepsLargestComponent = false
    /// Latent temperature τ (metadata `latent_temperature`): the sampler draws z = μ + τ·σ·ε, with σ the PGN's
    /// clamped standard deviation, so τ < 1 pulls the samples towards the model's mean mask. 1 for files without
    /// the key (set after training, chosen on validation data: `scripts/scale-latent-deviation.py`).
    public var latentTemperature: Float = 1
    /// The per-sample jitter of a caller's box the sampler applies unless its caller chooses one (metadata
    /// `box_jitter`, the fraction F of `PromptBoxJitter`; `none` for files without the key). Set after training
    /// (`p2sam set-temperature --box-jitter F`), chosen on validation data like `latentTemperature`.
    public var boxJitter: PromptBoxJitter = .none
    /// How the PGN bounds log σ (metadata `log_sigma_bound`; `clamp` for files without the key, `smooth` for
    /// stage-2 models trained with `p2sam train --log-sigma-bound smooth`).
    public var logDeviationBound: LogDeviationBound = .clamp
    /// The largest log σ the PGN may output (metadata `log_sigma_ceiling`; 5 for files without the key, a lower
    /// value for stage-2 models trained with `p2sam train --log-sigma-ceiling C`). Training and sampling apply the
    /// same bound `[−10, ceiling]`.
    public var logDeviationCeiling: Float = PromptGenerationNetwork.defaultLogDeviationRange.upperBound
    /// Dimension of z: 256, the decoder's token width.
    public var latentDim: Int { 256 }

    /// Metadata `format` of P²SAM model files.
    public static let formatName = "p2sam-v1"
    public static let defaultPGNWidths = [32, 64, 128, 192]
    public static let lightPGNWidths = [16, 32, 64, 128]

    /// A configuration from its parts (the defaults are those of the bundled model).
    public init(
        maskTokenCount: Int = 9, injection: LatentInjection = .sparse, defaultPrompt: DefaultPrompt = .fullBox,
        assembling: AssemblingParametrisation = .free, pgnWidths: [Int] = P2SAMConfiguration.defaultPGNWidths,
        presenceHead: Bool = false
    ) {
        precondition(pgnWidths.count == 4 && pgnWidths.allSatisfy { $0 > 0 }, "the PGN has 4 blocks")
        self.maskTokenCount = maskTokenCount
        self.injection = injection
        self.defaultPrompt = defaultPrompt
        self.assembling = assembling
        self.pgnWidths = pgnWidths
        self.presenceHead = presenceHead
    }

    /// Number of P²SAM outputs fused by the assembling weights (`maskTokenCount` minus the core mask tokens:
    /// 1 shared, 4 isolated).
    public var outputCount: Int { maskTokenCount - maskTokenContext.coreMaskTokenCount }

    /// P²SAM's 8 outputs with `context` (12 mask tokens when isolated, 9 when shared).
    public static func maskTokenCount(context: MaskTokenContext) -> Int { context.maskTokenCount(outputs: 8) }

    /// Reads the architecture from a model file's metadata (a missing `prompt` means `none`, missing
    /// `pgn_widths` the default widths, as in files written before those keys existed).
    ///
    /// - Throws: `P2SAMModelError.notAP2SAMModel` naming the offending key.
    public init(metadata: [String: String]) throws {
        guard metadata["format"] == Self.formatName else {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata 'format' is \(metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(Self.formatName)'"
            )
        }
        guard let injectionName = metadata["injection"], let injection = LatentInjection(rawValue: injectionName) else {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata 'injection' must be \(LatentInjection.spelledOut), found \(metadata["injection"] ?? "nothing")"
            )
        }
        guard let prompt = DefaultPrompt(rawValue: metadata["prompt"] ?? "none") else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'prompt' must be none or full-box")
        }
        let widths = (metadata["pgn_widths"] ?? Self.defaultPGNWidths.map(String.init).joined(separator: ","))
            .split(separator: ",").compactMap { Int($0) }
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'pgn_widths' must be four positive integers")
        }
        let latent = Int(metadata["latent_dim"] ?? "256") ?? -1
        guard latent == 256 else {
            throw P2SAMModelError.notAP2SAMModel("latent_dim must be 256 (the SAM token width), found \(latent)")
        }
        guard [nil, "head"].contains(metadata["presence"]) else {
            throw P2SAMModelError.notAP2SAMModel("metadata 'presence' must be head when present")
        }
        guard [nil, Self.boxProposalName].contains(metadata[Self.boxProposalKey]) else {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata '\(Self.boxProposalKey)' must be \(Self.boxProposalName) when present")
        }
        self.init(
            injection: injection, defaultPrompt: prompt, pgnWidths: widths, presenceHead: metadata["presence"] == "head"
        )
        boxProposal = metadata[Self.boxProposalKey] == Self.boxProposalName
        guard [nil, Self.presenceEvidenceName].contains(metadata[Self.presenceEvidenceKey]) else {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata '\(Self.presenceEvidenceKey)' must be \(Self.presenceEvidenceName) when present")
        }
        presenceEvidence = metadata[Self.presenceEvidenceKey] == Self.presenceEvidenceName
        if let text = metadata[MaskTokenContext.metadataKey] {
            guard let context = MaskTokenContext(rawValue: text) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(MaskTokenContext.metadataKey)' must be one of \(MaskTokenContext.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                )
            }
            maskTokenContext = context
            maskTokenCount = Self.maskTokenCount(context: context)
        }
        guard !injection.needsIsolatedContext || maskTokenContext == .isolated else {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata 'injection' \(injection.rawValue) needs '\(MaskTokenContext.metadataKey)' = \(MaskTokenContext.isolated.rawValue)"
            )
        }
        if let text = metadata[Self.latentTemperatureKey] {
            guard let tau = Float(text), tau.isFinite, tau > 0 else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.latentTemperatureKey)' must be a positive finite number, found '\(text)'")
            }
            latentTemperature = tau
        }
        if let text = metadata[Self.boxJitterKey] {
            guard let fraction = Double(text), let jitter = try? PromptBoxJitter(fraction: fraction) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.boxJitterKey)' must be a number in [0, \(PromptBoxJitter.fractionLimit)), found '\(text)'"
                )
            }
            boxJitter = jitter
        }
        if let text = metadata[LogDeviationBound.metadataKey] {
            guard let bound = LogDeviationBound(rawValue: text) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(LogDeviationBound.metadataKey)' must be one of \(LogDeviationBound.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                )
            }
            logDeviationBound = bound
        }
        if let text = metadata[Self.logDeviationCeilingKey] {
            guard let ceiling = Float(text), PromptGenerationNetwork.isAllowedLogDeviationCeiling(ceiling) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.logDeviationCeilingKey)': "
                        + PromptGenerationNetwork.ceilingRequirement(found: text))
            }
            logDeviationCeiling = ceiling
        }
        if presenceEvidence && !presenceHead {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata '\(Self.presenceEvidenceKey)' needs the presence head (metadata 'presence' = head)")
        }
        if let text = metadata[Self.proposalPresenceDrawKey] {
            guard let draw = PresenceDraw(rawValue: text) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalPresenceDrawKey)' must be one of \(PresenceDraw.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                )
            }
            proposalPresenceDraw = draw
        }
        if let text = metadata[Self.proposalPresenceShiftKey] {
            guard let shift = Float(text), shift.isFinite else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalPresenceShiftKey)' must be a finite number, found '\(text)'")
            }
            proposalPresenceShift = shift
        }
        if let text = metadata[Self.proposalRefinementKey] {
            guard let passes = Int(text), passes > 0, passes <= Self.maximumProposalRefinementPasses else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalRefinementKey)' must be an integer in 1...\(Self.maximumProposalRefinementPasses), found '\(text)'"
                )
            }
            guard boxProposal else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalRefinementKey)' needs a box proposal (metadata '\(Self.boxProposalKey)')")
            }
            proposalRefinementPasses = passes
        }
        if let text = metadata[BoxProposalRegion.metadataKey] {
            guard let region = BoxProposalRegion(rawValue: text) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(BoxProposalRegion.metadataKey)' must be one of \(BoxProposalRegion.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'"
                )
            }
            guard boxProposal else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(BoxProposalRegion.metadataKey)' needs a box proposal (metadata '\(Self.boxProposalKey)')"
                )
            }
            proposalRegion = region
        }
        if let text = metadata[Self.proposalLargestComponentKey] {
            guard let keeps = Bool(text) else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalLargestComponentKey)' must be true or false, found '\(text)'")
            }
            guard boxProposal || !keeps else {
                throw P2SAMModelError.notAP2SAMModel(
                    "metadata '\(Self.proposalLargestComponentKey)' needs a box proposal (metadata '\(Self.boxProposalKey)')"
                )
            }
            proposalKeepsLargestComponent = keeps
        }
        if (proposalPresenceDraw != nil || proposalPresenceShift != 0) && !(boxProposal && presenceHead) {
            throw P2SAMModelError.notAP2SAMModel(
                "metadata '\(Self.proposalPresenceDrawKey)' and '\(Self.proposalPresenceShiftKey)' need a box proposal and a presence head"
            )
        }
    }

    /// Metadata key of the box proposal's refinement passes (`proposalRefinementPasses`).
    public static let proposalRefinementKey = "box_proposal_refinement"
    /// Metadata key of the proposal's largest-component clean-up (`proposalKeepsLargestComponent`).
    public static let proposalLargestComponentKey = "box_proposal_largest_component"
    /// The most refinement passes a model may store (each costs one decode per image).
    public static let maximumProposalRefinementPasses = 10

    /// Metadata key of the presence draw used with the box proposal (`proposalPresenceDraw`).
    public static let proposalPresenceDrawKey = "box_proposal_presence_draw"
    /// Metadata key of the presence logit shift used with the box proposal (`proposalPresenceShift`).
    public static let proposalPresenceShiftKey = "box_proposal_presence_shift"

    /// Metadata key of a model whose presence head adds per-image evidence (`PresenceEvidence`).
    public static let presenceEvidenceKey = "presence_evidence"
    /// Metadata value of `presenceEvidenceKey`: statistics of the model's own mask.
    public static let presenceEvidenceName = "mask-statistics"

    /// Metadata key of the latent temperature (`latentTemperature`).
    public static let latentTemperatureKey = "latent_temperature"
    /// Metadata key of the default per-sample box jitter (`boxJitter`).
    public static let boxJitterKey = "box_jitter"
    /// Metadata key of the PGN's log σ ceiling (`logDeviationCeiling`).
    public static let logDeviationCeilingKey = "log_sigma_ceiling"

    /// Metadata key of a model with a box proposal (`BoxProposal`).
    public static let boxProposalKey = "box_proposal"
    /// Metadata value of `boxProposalKey`: the proposal boxes the decoder's own mask.
    public static let boxProposalName = "decoder"

    /// The metadata entries describing this architecture (`mask_token_context` only when isolated, `presence` only
    /// when the model has the head,
    /// `box_proposal` only with a box proposal, `presence_evidence` only with presence evidence, the proposal's
    /// presence draw and shift only when set, `box_proposal_refinement` only when positive, `box_proposal_region` only when
    /// not `all`, `box_proposal_largest_component` only when true, `latent_temperature` only when it is not 1, `box_jitter` only when active, `log_sigma_bound` only
    /// when it is not `clamp`, `log_sigma_ceiling` only when it is not 5).
    public var metadata: [String: String] {
        var entries = [
            "format": Self.formatName, "injection": injection.rawValue, "prompt": defaultPrompt.rawValue,
            "pgn_widths": pgnWidths.map(String.init).joined(separator: ","), "latent_dim": String(latentDim),
        ]
        if presenceHead { entries["presence"] = "head" }
        if maskTokenContext != .shared { entries[MaskTokenContext.metadataKey] = maskTokenContext.rawValue }
        if boxProposal { entries[Self.boxProposalKey] = Self.boxProposalName }
        if presenceEvidence { entries[Self.presenceEvidenceKey] = Self.presenceEvidenceName }
        if let proposalPresenceDraw { entries[Self.proposalPresenceDrawKey] = proposalPresenceDraw.rawValue }
        if proposalPresenceShift != 0 { entries[Self.proposalPresenceShiftKey] = String(proposalPresenceShift) }
        if proposalRefinementPasses > 0 { entries[Self.proposalRefinementKey] = String(proposalRefinementPasses) }
        if proposalRegion != .all { entries[BoxProposalRegion.metadataKey] = proposalRegion.rawValue }
        if proposalKeepsLargestComponent { entries[Self.proposalLargestComponentKey] = "true" }
        if latentTemperature != 1 { entries[Self.latentTemperatureKey] = String(latentTemperature) }
        if boxJitter.isActive { entries[Self.boxJitterKey] = String(boxJitter.fraction) }
        if logDeviationBound != .clamp { entries[LogDeviationBound.metadataKey] = logDeviationBound.rawValue }
        if logDeviationCeiling != PromptGenerationNetwork.defaultLogDeviationRange.upperBound {
            entries[Self.logDeviationCeilingKey] = String(logDeviationCeiling)
        }
        return entries
    }

    enum CodingKeys: String, CodingKey {
        case maskTokenCount, injection
        case defaultPrompt = "prompt"
        case assembling, pgnWidths, presenceHead, maskTokenContext, boxProposal, presenceEvidence, proposalPresenceDraw,
            proposalPresenceShift, proposalRefinementPasses, proposalRegion, proposalKeepsLargestComponent,
            latentTemperature,
            boxJitter,
            logDeviationBound, logDeviationCeiling
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            maskTokenCount: try c.decode(Int.self, forKey: .maskTokenCount),
            injection: try c.decode(LatentInjection.self, forKey: .injection),
            defaultPrompt: try c.decode(DefaultPrompt.self, forKey: .defaultPrompt),
            assembling: try c.decode(AssemblingParametrisation.self, forKey: .assembling),
            pgnWidths: try c.decode([Int].self, forKey: .pgnWidths),
            presenceHead: try c.decodeIfPresent(Bool.self, forKey: .presenceHead) ?? false)
        maskTokenContext = try c.decodeIfPresent(MaskTokenContext.self, forKey: .maskTokenContext) ?? .shared
        boxProposal = try c.decodeIfPresent(Bool.self, forKey: .boxProposal) ?? false
        presenceEvidence = try c.decodeIfPresent(Bool.self, forKey: .presenceEvidence) ?? false
        proposalPresenceDraw = try c.decodeIfPresent(PresenceDraw.self, forKey: .proposalPresenceDraw)
        proposalPresenceShift = try c.decodeIfPresent(Float.self, forKey: .proposalPresenceShift) ?? 0
        proposalRefinementPasses = try c.decodeIfPresent(Int.self, forKey: .proposalRefinementPasses) ?? 0
        proposalRegion = try c.decodeIfPresent(BoxProposalRegion.self, forKey: .proposalRegion) ?? .all
        proposalKeepsLargestComponent =
            try c.decodeIfPresent(Bool.self, forKey: .proposalKeepsLargestComponent) ?? false
        latentTemperature = try c.decodeIfPresent(Float.self, forKey: .latentTemperature) ?? 1
        boxJitter = try c.decodeIfPresent(PromptBoxJitter.self, forKey: .boxJitter) ?? .none
        logDeviationBound = try c.decodeIfPresent(LogDeviationBound.self, forKey: .logDeviationBound) ?? .clamp
        logDeviationCeiling =
            try c.decodeIfPresent(Float.self, forKey: .logDeviationCeiling)
            ?? PromptGenerationNetwork.defaultLogDeviationRange.upperBound
        guard PromptGenerationNetwork.isAllowedLogDeviationCeiling(logDeviationCeiling) else {
            throw DecodingError.dataCorruptedError(
                forKey: .logDeviationCeiling, in: c,
                debugDescription: PromptGenerationNetwork.ceilingRequirement(found: String(logDeviationCeiling)))
        }
    }
}
