import Foundation
import LiteMedSAM
import MedImageIO
import SAMLayers
import SAMTensor
import SeededSampling

/// An image prepared for sampling: its embedding, the PGN's Gaussian and the fixed prompt tokens.
public struct P2SAMPreparedImage: Sendable {
    public let embedded: EmbeddedImage
    /// μ and σ of the latent Gaussian (256 values each).
    public let mean: [Float]
    public let standardDeviation: [Float]
    /// Sparse tokens of the user's box/points or of the model's default prompt (`Ns x 256`).
    public var promptTokens: [Float]
    /// For a model with a presence head: the probability that a sample shows a lesion at all (each sample is
    /// empty with probability 1 − p); nil = every sample is decoded as is.
    public var presenceProbability: Float? = nil
    /// For a model with a box proposal and no caller prompt (`P2SAMSampler.boxProposal` not `off`): the raw box
    /// `[x0, y0, x1, y1]` (256 model frame) the model proposed (after its refinement passes,
    /// `P2SAMConfiguration.proposalRefinementPasses`, around its `P2SAMConfiguration.proposalRegion`), nil otherwise or when it found nothing (then the
    /// default prompt is used). `promptTokens` and `presenceProbability` are those of the proposal's mean box.
    public var proposedBox: [Float]? = nil
    /// Whether each sample draws its own box from the proposal (`BoxProposalMode.sampled`).
    public var samplesProposedBoxes = false
    /// For a model with presence evidence: the evidence's term of the presence logit (`PresenceEvidence`), from
    /// the model's own mask (z = μ) for the prompt in use; nil otherwise.
    public var presenceEvidenceLogit: Float? = nil
    /// The caller's prompt (image pixels) when it has a box, nil otherwise: the box `P2SAMSampler.boxJitter` jitters.
    public var callerPrompt: ImagePrompt? = nil
}

/// Per-pixel summaries of a set of binary samples at the image's own size.
public struct SampleStatistics: Sendable {
    public let width: Int
    public let height: Int
    public let count: Int
    /// Fraction of samples marking each pixel (row-major `height x width`).
    public let frequency: [Float]

    /// Binary entropy of the frequency map in bits (0 where all samples agree, 1 at a 50/50 split).
    public var entropy: [Float] {
        frequency.map { p in
            guard p > 0 && p < 1 else { return 0 }
            return Float(-(Double(p) * log2(Double(p)) + Double(1 - p) * log2(Double(1 - p))))
        }
    }
}

/// Draws N plausible masks for an image from a P²SAM model (docs/p2sam-model.md, "Forward pass").
///
/// The encoder and the PGN run once per image; the decoder runs once per sample, in batches.
/// The same seed gives bit-identical masks. Masks are delivered one by one to a callback, so the
/// number of samples is bounded by time, not memory.
public struct P2SAMSampler: Sendable {
    public let model: P2SAMModel
    /// Samples decoded together.
    public var batchSize = 8
    /// How a model's box proposal is used when the caller gives no prompt (no effect on models without one). The
    /// default, `sampled`, had the lower GED16 on LIDC validation slices of the training patients (docs/p2sam-results.md).
    public var boxProposal = BoxProposalMode.sampled
    /// How presence probabilities become present/empty samples (`PresenceDraw`; no effect without a presence
    /// head); nil (default): the model's `P2SAMConfiguration.proposalPresenceDraw` when its box proposal prompts the
    /// samples, else `independent`.
    public var presenceDraw: PresenceDraw? = nil
    /// Added to the presence logit before σ (negative: more empty samples; no effect without a presence head);
    /// nil (default): the model's `P2SAMConfiguration.proposalPresenceShift` when its box proposal prompts the
    /// samples, else 0.
    public var presenceLogitShift: Float? = nil
    /// The latent temperature τ (z = μ + τ σ ⊙ ε; positive and finite); nil (default): the model's
    /// `P2SAMConfiguration.latentTemperature` (1 for files without `latent_temperature`).
    public var latentTemperature: Float? = nil
    /// Per-sample jitter of a caller's box (`PromptBoxJitter`): with a fraction F > 0 and a caller's box, sample k is
    /// prompted with its own box drawn from N(box, (F·side)²) per coordinate (box-jitter's draw) besides its own z
    /// (such samples decode in batches of per-sample prompt tokens). nil (the default): the model's
    /// (`P2SAMConfiguration.boxJitter`, metadata `box_jitter`, `none` for files without it); `none`: every sample gets
    /// the caller's box. No effect without a caller's box.
    public var boxJitter: PromptBoxJitter? = nil

    /// Whether each sample keeps only its largest 8-connected foreground region (`MaskImage.keepingLargestComponent`,
    /// at the image's own size, before the frequency statistics); nil (default): the model's
    /// `P2SAMConfiguration.proposalKeepsLargestComponent` when its box proposal prompts the samples, else off.
    public var keepsLargestComponent: Bool? = nil

    /// The jitter applied to a caller's box: `boxJitter`, else the model's.
    public var effectiveBoxJitter: PromptBoxJitter { boxJitter ?? model.configuration.boxJitter }
    /// Upper bound on samples per call.
    public static let maximumSampleCount = 100_000

    /// A sampler drawing from `model`.
    public init(model: P2SAMModel) {
        self.model = model
    }

    /// Preprocesses `image`, embeds it and runs the PGN; `prompt` (image pixels) optionally
    /// conditions the samples on a box and/or points, otherwise the model's default prompt is used.
    public func prepare(_ image: MedicalImage, prompt: ImagePrompt? = nil) throws -> P2SAMPreparedImage {
        try prepare(image, embedded: nil, prompt: prompt)
    }

    /// As `prepare(_:prompt:)`, reusing an embedding of the same image made by LiteMedSAM's
    /// predictor (the encoder is shared and frozen), so the encoder does not run twice. A model with
    /// a LoRA-adapted encoder (`model.loraRank`) ignores `reuse` and embeds with its own encoder.
    public func prepare(_ image: MedicalImage, embedded reuse: EmbeddedImage?, prompt: ImagePrompt? = nil) throws
        -> P2SAMPreparedImage
    {
        let prepared = try LiteMedSAMPreprocessor.checkedPreprocess(image)
        if let reuse, reuse.originalWidth != image.width || reuse.originalHeight != image.height {
            throw PredictorError.invalidEmbedding(
                "embedding is of a \(reuse.originalWidth)x\(reuse.originalHeight) image, not \(image.width)x\(image.height)"
            )
        }
        let embedded = (model.loraRank == nil ? reuse : nil) ?? model.imageEncoder.embed(prepared)
        let input = Tensor(shape: [3, PreprocessedImage.side, PreprocessedImage.side], storage: prepared.tensor)
        let (mean, deviation) = model.pgn(PromptGenerationNetwork.input(fromModelInput: input))
        var modelPrompt =
            try prompt.map { try Prompt($0, imageHeight: prepared.originalHeight, imageWidth: prepared.originalWidth) }
            ?? model.configuration.defaultPrompt.prompt
        var result = P2SAMPreparedImage(
            embedded: embedded, mean: mean, standardDeviation: deviation,
            promptTokens: model.promptEncoder.sparseEmbedding(for: modelPrompt))
        var usesBox = prompt?.box != nil
        if usesBox { result.callerPrompt = prompt }
        let noCallerPrompt = prompt == nil || (prompt?.box == nil && prompt?.points.isEmpty == true)
        if noCallerPrompt, boxProposal != .off, let proposal = model.layers.boxProposal,
            let raw = BoxProposal.refinedRawBox(
                BoxProposal.rawBox(
                    logits: fusedLogits(for: result, latents: [mean]).storage, resizedHeight: embedded.resizedHeight,
                    resizedWidth: embedded.resizedWidth, region: model.configuration.proposalRegion),
                passes: model.configuration.proposalRefinementPasses, resizedHeight: embedded.resizedHeight,
                resizedWidth: embedded.resizedWidth, region: model.configuration.proposalRegion,
                logits: { box in
                    var prompted = result
                    prompted.promptTokens = model.promptEncoder.sparseEmbedding(
                        for: Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3])))
                    return fusedLogits(for: prompted, latents: [mean]).storage
                })
        {
            let box = proposal.meanBox(
                raw: raw, resizedHeight: embedded.resizedHeight, resizedWidth: embedded.resizedWidth)
            modelPrompt = Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))
            result.promptTokens = model.promptEncoder.sparseEmbedding(for: modelPrompt)
            result.proposedBox = raw
            result.samplesProposedBoxes = boxProposal == .sampled
            usesBox = true
        }
        if model.layers.presence != nil {
            let box = usesBox ? modelPrompt.box.map { [$0.x0, $0.y0, $0.x1, $0.y1] } : nil
            if let evidence = model.layers.presenceEvidence {
                let statistics = PresenceEvidence.statistics(
                    logits: fusedLogits(for: result, latents: [mean]).storage, box: box,
                    resizedHeight: embedded.resizedHeight, resizedWidth: embedded.resizedWidth)
                result.presenceEvidenceLogit = evidence.logit(statistics: statistics)
            }
            result.presenceProbability = presenceProbability(
                embedded, box: box,
                evidenceLogit: (result.presenceEvidenceLogit ?? 0) + logitShift(for: result))
        }
        return result
    }

    /// The presence head's probability for `embedded` and a box (256 frame; nil: the image region), with
    /// `evidenceLogit` (the evidence term and the logit shift) added to its logit; nil for a model without the head.
    func presenceProbability(_ embedded: EmbeddedImage, box: [Float]?, evidenceLogit: Float = 0) -> Float? {
        guard let presence = model.layers.presence else { return nil }
        let features = PresenceHead.features(
            embedding: embedded.embedding, box: box, resizedHeight: embedded.resizedHeight,
            resizedWidth: embedded.resizedWidth)
        let logit = presence.logit(TapeFree(), features: features).storage[0] + evidenceLogit
        return 1 / (1 + expf(-logit))
    }

    /// The presence logit shift for `prepared`: `presenceLogitShift`, else the model's proposal shift when its box
    /// proposal prompts the samples (`prepared.proposedBox` set), else 0.
    public func logitShift(for prepared: P2SAMPreparedImage) -> Float {
        presenceLogitShift ?? (prepared.proposedBox != nil ? model.configuration.proposalPresenceShift : 0)
    }

    /// The presence draw for `prepared`: `presenceDraw`, else the model's proposal draw when its box proposal
    /// prompts the samples, else `independent`.
    public func draw(for prepared: P2SAMPreparedImage) -> PresenceDraw {
        presenceDraw
            ?? (prepared.proposedBox != nil ? model.configuration.proposalPresenceDraw : nil) ?? .independent
    }

    /// Whether the samples of `prepared` keep only their largest connected region: `keepsLargestComponent`, else the
    /// model's `P2SAMConfiguration.proposalKeepsLargestComponent` when its box proposal prompts them, else false.
    public func keepsLargestComponent(for prepared: P2SAMPreparedImage) -> Bool {
        keepsLargestComponent ?? (prepared.proposedBox != nil && model.configuration.proposalKeepsLargestComponent)
    }

    /// Offset of the proposal's box draws' seed from the sample seed (`BoxProposalMode.sampled`).
    public static let boxProposalStreamOffset: UInt64 = 0x424F_5850

    /// The per-sample boxes `[count][4]` (256 frame) of a prepared image that samples its proposed boxes, else nil.
    public func proposedBoxes(for prepared: P2SAMPreparedImage, count: Int, seed: UInt64) -> [[Float]]? {
        guard prepared.samplesProposedBoxes, let raw = prepared.proposedBox, let proposal = model.layers.boxProposal
        else { return nil }
        let e = prepared.embedded
        return proposal.sampledBoxes(
            raw: raw, count: count, seed: seed &+ Self.boxProposalStreamOffset, resizedHeight: e.resizedHeight,
            resizedWidth: e.resizedWidth)
    }

    /// The per-sample prompts (256 frame) of a prepared image with a caller's box when `effectiveBoxJitter` is active
    /// (`PromptBoxJitter.prompts(for:width:height:count:seed:)`), else nil.
    public func jitteredPrompts(for prepared: P2SAMPreparedImage, count: Int, seed: UInt64) throws -> [Prompt]? {
        guard let prompt = prepared.callerPrompt else { return nil }
        let e = prepared.embedded
        return try effectiveBoxJitter.prompts(
            for: prompt, width: e.originalWidth, height: e.originalHeight, count: count, seed: seed)
    }

    /// Which of `count` samples show a lesion: all for a model without a presence head, else drawn by
    /// `draw(for:)` from a GSL mt19937 seeded with `seed + 0x5052_4553` (a stream of its own, so the latents are
    /// the same with and without the head; `independent`: sample k is present when the k-th uniform draw is below p).
    public func presence(for prepared: P2SAMPreparedImage, count: Int, seed: UInt64) -> [Bool] {
        guard let p = prepared.presenceProbability else { return [Bool](repeating: true, count: count) }
        return draw(for: prepared).draws(
            probabilities: [Float](repeating: p, count: count), seed: seed &+ Self.presenceStreamOffset)
    }

    /// The presence draws for probability `p` (nil: all present), as `presence(for:count:seed:)`.
    public static func presence(probability p: Float?, count: Int, seed: UInt64) -> [Bool] {
        guard let p else { return [Bool](repeating: true, count: count) }
        return presence(probabilities: [Float](repeating: p, count: count), seed: seed)
    }

    /// The presence draws for per-sample probabilities `ps` (sample k present when the k-th uniform draw of the
    /// presence stream is below `ps[k]`).
    public static func presence(probabilities ps: [Float], seed: UInt64) -> [Bool] {
        PresenceDraw.independent.draws(probabilities: ps, seed: seed &+ presenceStreamOffset)
    }

    /// Offset of the presence draws' seed from the sample seed.
    public static let presenceStreamOffset: UInt64 = 0x5052_4553

    /// `count` latents `z = μ + τ σ ⊙ ε` (τ: `latentTemperature`, else the model's
    /// `P2SAMConfiguration.latentTemperature`), ε from GSL's
    /// mt19937 seeded with `seed` (sample k uses draws 256k … 256k + 255).
    public func latents(for prepared: P2SAMPreparedImage, count: Int, seed: UInt64) -> [[Float]] {
        Self.latents(
            mean: prepared.mean, standardDeviation: prepared.standardDeviation,
            temperature: latentTemperature ?? model.configuration.latentTemperature, count: count, seed: seed)
    }

    /// `count` latents `z = μ + temperature · σ ⊙ ε` for `mean` μ and `standardDeviation` σ (equal lengths), ε
    /// from GSL's mt19937 seeded with `seed` (sample k uses draws `d·k … d·k + d − 1`, d = `mean.count`); the
    /// same ε for every temperature.
    public static func latents(
        mean: [Float], standardDeviation: [Float], temperature: Float = 1, count: Int, seed: UInt64
    ) -> [[Float]] {
        precondition(mean.count == standardDeviation.count, "μ and σ differ in length")
        let random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            (0..<mean.count).map { d in mean[d] + temperature * standardDeviation[d] * Float(random.gaussian()) }
        }
    }

    /// Fused logits `Σ w_i logit_i` for the given latents: `[count, 256, 256]` in the model frame, decoded
    /// `batchSize` samples at a time by the tape-free P²SAM forward (`P2SAMLayers.assembledLogits`).
    ///
    /// - Parameters:
    ///   - prepared: the prepared image; its `promptTokens` prompt every sample unless `promptTokens` is given.
    ///   - latents: z, `count` rows of `latentDim`.
    ///   - promptTokens: per-sample sparse prompt tokens (row k: sample k's `Ns·dim` values, e.g. a jittered box's
    ///     `PromptEncoder.sparseEmbedding(for:)`; the same Ns for all), or nil for `prepared`'s.
    public func fusedLogits(
        for prepared: P2SAMPreparedImage, latents: [[Float]], promptTokens: [[Float]]? = nil
    ) -> Tensor {
        let context = TapeFree()
        let layers = model.layers
        let dim = layers.promptEncoder.embedDim
        let embedding = prepared.embedded.embedding
        let pixels = embedding.count / dim
        let image = embedding.reshaped([1, pixels, dim])
        precondition(prepared.promptTokens.count % dim == 0, "prompt tokens are not \(dim)-wide rows")
        let shared =
            prepared.promptTokens.isEmpty
            ? nil : Tensor(shape: [prepared.promptTokens.count / dim, dim], storage: prepared.promptTokens)
        let perSampleWidth = promptTokens?.first?.count ?? 0
        if let promptTokens {
            precondition(
                promptTokens.count == latents.count && perSampleWidth > 0 && perSampleWidth % dim == 0
                    && promptTokens.allSatisfy { $0.count == perSampleWidth },
                "per-sample prompt tokens: \(promptTokens.count) rows for \(latents.count) latents, not all"
                    + " \(perSampleWidth) values in \(dim)-wide rows")
        }
        var values: [Float] = []
        values.reserveCapacity(latents.count * 16 * pixels)
        var start = 0
        while start < latents.count {
            let end = min(latents.count, start + max(1, batchSize))
            let z = Tensor(
                shape: [end - start, model.configuration.latentDim], storage: Array(latents[start..<end].joined()))
            let tokens =
                promptTokens.map {
                    Tensor(shape: [end - start, perSampleWidth / dim, dim], storage: Array($0[start..<end].joined()))
                } ?? shared
            let logits = layers.assembledLogits(
                context, embedding: image, promptTokens: tokens, latents: z, batch: end - start)
            values.append(contentsOf: logits.storage)
            start = end
        }
        let side = 4 * Int(Double(pixels).squareRoot())
        return Tensor(shape: [latents.count, side, side], storage: values)
    }

    /// Draws `count` masks at the image's own size, calling `onSample(index, mask)` for each in order,
    /// and returns the frequency statistics.
    public func sample(
        _ prepared: P2SAMPreparedImage, count: Int, seed: UInt64,
        onSample: (Int, MaskImage) throws -> Void = { _, _ in }
    ) throws -> SampleStatistics {
        guard (1...Self.maximumSampleCount).contains(count) else {
            throw P2SAMModelError.invalidSampleCount(count, maximum: Self.maximumSampleCount)
        }
        let e = prepared.embedded
        let all = latents(for: prepared, count: count, seed: seed)
        var present = presence(for: prepared, count: count, seed: seed)
        // A sampled box proposal or a jittered caller's box: sample k has its own prompt (and presence probability),
        // decoded in batches of per-sample prompt tokens.
        let prompts =
            try proposedBoxes(for: prepared, count: count, seed: seed).map { boxes in
                boxes.map { Prompt(box: BoxPrompt(x0: $0[0], y0: $0[1], x1: $0[2], y1: $0[3])) }
            } ?? jitteredPrompts(for: prepared, count: count, seed: seed)
        let promptTokens = prompts?.map { model.promptEncoder.sparseEmbedding(for: $0) }
        if let prompts, prepared.presenceProbability != nil {
            let probabilities = prompts.map { prompt in
                presenceProbability(
                    e, box: prompt.box.map { [$0.x0, $0.y0, $0.x1, $0.y1] },
                    evidenceLogit: (prepared.presenceEvidenceLogit ?? 0) + logitShift(for: prepared)) ?? 1
            }
            present = draw(for: prepared).draws(probabilities: probabilities, seed: seed &+ Self.presenceStreamOffset)
        }
        var frequency = [Float](repeating: 0, count: e.originalHeight * e.originalWidth)
        let keepsLargest = keepsLargestComponent(for: prepared)
        var start = 0
        while start < count {
            var end = min(count, start + max(1, batchSize))
            if let promptTokens {
                // A batch holds prompts of one token count (a box with or without the caller's points).
                end = (start + 1..<end).first { promptTokens[$0].count != promptTokens[start].count } ?? end
            }
            let fused = fusedLogits(
                for: prepared, latents: Array(all[start..<end]),
                promptTokens: promptTokens.map { Array($0[start..<end]) })
            let upscaled = LiteMedSAMPostprocessor.upscaledLogits(
                fused.storage, count: end - start, resizedHeight: e.resizedHeight, resizedWidth: e.resizedWidth,
                originalHeight: e.originalHeight, originalWidth: e.originalWidth)
            let masks = LiteMedSAMPostprocessor.threshold(
                upscaled, count: end - start, height: e.originalHeight, width: e.originalWidth)
            for (offset, decoded) in masks.enumerated() {
                var mask = keepsLargest ? decoded.keepingLargestComponent() : decoded
                if !present[start + offset] { mask.pixels = [UInt8](repeating: 0, count: mask.pixels.count) }
                for (p, value) in mask.pixels.enumerated() where value != 0 { frequency[p] += 1 }
                try onSample(start + offset, mask)
            }
            start = end
        }
        return SampleStatistics(
            width: e.originalWidth, height: e.originalHeight, count: count,
            frequency: frequency.map { $0 / Float(count) })
    }
}
