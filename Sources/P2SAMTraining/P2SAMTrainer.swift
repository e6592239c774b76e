import Foundation
import LiteMedSAM
import MultiRaterData
import MultiRaterMetrics
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling

/// Trains one stage of P²SAM (`docs/p2sam-model.md`, "Training losses").
///
/// - Stage 1: the mask decoder, the prompt encoder's `no_mask_embed`, `point_embeddings.*`,
///   `not_a_point_embed` and the assembling weights; target = a uniformly random non-empty rater
///   (cases whose raters are all empty are skipped); no PGN (sparse mode: z = 0 token).
/// - Stage 2: only the PGN (+ Fcomb in dense mode); target = a uniformly random rater (empty allowed),
///   or K samples matched to the raters (`SetLoss`), or the energy distance of K samples to all
///   raters; + L2 on the PGN weights.
///
/// Randomness: epoch e uses its own GSL mt19937 seeded from `(seed, e)` for the data order, the rater
/// choices and ε, so a run is reproducible and resumes exactly at an epoch boundary.
public final class P2SAMTrainer {
    public let network: P2SAMNetwork
    public let options: TrainingOptions
    public let optimizer: Adam
    /// Names of the trained parameters.
    public let trainableNames: [String]

    static let stageOnePromptKeys = Set(PromptEncoder.learnedEmbeddingWeightKeys())

    /// Whether parameter `name` is trained in `stage` (stage 1 includes the encoder's LoRA factors when
    /// the model has them; stage 2 keeps them frozen).
    public static func isTrainable(_ name: String, stage: Int) -> Bool {
        if stage == 1 {
            return (name.hasPrefix(MaskDecoder.defaultKey + ".") && !name.hasPrefix(MaskDecoder.iouHeadKey() + "."))
                || stageOnePromptKeys.contains(name) || name == P2SAMLayers.assemblingWeightsKey
                || LoRAParameters.isFactor(name)
        }
        return P2SAMLayers.isStageTwoKey(name)
    }

    public init(network: P2SAMNetwork, options: TrainingOptions) throws {
        try options.validate()
        if options.stage == 2 && !network.hasPGN {
            throw P2SAMTrainingError.invalidModel(
                "stage 2 needs the PGN parameters (add them with ModelInitialisation.addStageTwoModules)")
        }
        if options.stage == 1 && options.loraRank != network.loraRank {
            throw P2SAMTrainingError.invalidOptions(
                "the model's LoRA rank is \(network.loraRank.map(String.init) ?? "none"), the options ask for \(options.loraRank.map(String.init) ?? "none")"
            )
        }
        if options.stage == 1 && options.loraRank != nil && network.encoder == nil {
            throw P2SAMTrainingError.invalidModel(
                "LoRA training needs the network's differentiable encoder (P2SAMNetwork(…, encoder:))")
        }
        self.network = network
        self.options = options
        let fixedWeights = network.configuration.assembling == .single
        network.parameters.setTrainable { name in
            Self.isTrainable(name, stage: options.stage) && !(fixedWeights && name == P2SAMLayers.assemblingWeightsKey)
        }
        let trainable = network.parameters.trainable
        trainableNames = trainable.map(\.name)
        optimizer = Adam(trainable, learningRate: options.learningRate)
    }

    // MARK: One step

    /// The case's image embedding in `w`'s graph: through the LoRA-adapted encoder from its `layers.0`
    /// output in stage 1 with LoRA, else its cached embedding as a constant.
    func embedding(_ w: Recording, _ item: TrainingCase) throws -> Variable {
        guard options.stage == 1 && options.loraRank != nil else {
            guard item.hasEmbedding else {
                throw P2SAMTrainingError.invalidData("case \(item.caseID) has no cached embedding")
            }
            return w.graph.constant(item.embedding)
        }
        guard let layerZero = item.layerZeroOutput else {
            throw P2SAMTrainingError.invalidData(
                "LoRA training needs the encoder's layers.0 output of case \(item.caseID)")
        }
        return network.adaptedEmbedding(w, layerZeroOutput: layerZero)
    }

    /// The loss of one case, back-propagated with `scale` (1/batch); returns the loss value.
    func accumulate(_ item: TrainingCase, random: SeededRandom, scale: Float) throws -> Double {
        let graph = Graph()
        let w = Recording(graph: graph, parameters: network.parameters)
        var loss: Variable
        if options.stage == 1 {
            let candidates = options.stageOneCandidates(item)
            guard !candidates.isEmpty else { return 0 }
            let rater = candidates[random.integer(below: candidates.count)]
            let logits = network.assembledLogits(w, embedding: try embedding(w, item), latent: nil)
            loss = SegmentationLoss.loss(logits: logits, target: item.target(rater))
        } else {
            let k = options.setLoss == .none ? 1 : options.samples
            let noise = Self.gaussianNoise(random, count: k, dim: network.configuration.latentDim)
            let z = network.latentSamples(w, pgnInput: item.pgnInput, noise: noise)
            // [K, 65536]
            let logits = network.assembledLogits(w, embedding: try embedding(w, item), latent: z, batch: k)
            if options.setLoss == .none {
                let rater = random.integer(below: item.raters.count)
                loss = SegmentationLoss.loss(logits: logits, target: item.target(rater))
            } else if options.setLoss == .energy {
                loss = Loss.energyDistance(logits: logits, raters: item.raterMatrix)
            } else {
                let pixels = logits.shape[1]
                let cost: [[Double]] = logits.value.storage.withUnsafeBufferPointer { all in
                    (0..<k).map { s in
                        let row = UnsafeBufferPointer(rebasing: all[(s * pixels)..<((s + 1) * pixels)])
                        return item.raters.map { SegmentationLoss.value(logits: row, target: $0) }
                    }
                }
                let pairs = options.setLoss.pairs(cost: cost)
                var terms: [Variable] = []
                for (s, j) in pairs {
                    terms.append(
                        SegmentationLoss.loss(logits: logits.slice(alongAxis: 0, s..<(s + 1)), target: item.target(j)))
                }
                loss = terms.dropFirst().reduce(terms[0], +) * (1 / Float(terms.count))
            }
            let pgnPrefix = PromptGenerationNetwork.defaultKey + "."
            let pgnWeights = network.parameters.parameters(withPrefixes: [pgnPrefix]).filter {
                $0.name.hasSuffix(".weight")
            }
            if options.l2 > 0 { loss = loss + Loss.l2Penalty(pgnWeights, in: graph, coefficient: options.l2) }
        }
        let value = loss.scalar
        guard value.isFinite else {
            throw P2SAMTrainingError.nonFinite("non-finite loss \(value) on case \(item.caseID)")
        }
        graph.backward(from: loss, seed: scale)
        return Double(value)
    }

    /// One optimiser step over `batch`; returns the mean loss.
    public func step(_ batch: [TrainingCase], random: SeededRandom) throws -> Double {
        optimizer.zeroGradients()
        var total = 0.0
        for item in batch { total += try accumulate(item, random: random, scale: 1 / Float(batch.count)) }
        do { try NumericGuard.checkGradients(of: optimizer.parameters) } catch let error as NonFiniteValueError {
            throw P2SAMTrainingError.nonFinite(
                "non-finite \(error.location) (\(error.count) element(s), first \(error.value) at \(error.index))")
        }
        if let maxNorm = options.maxGradientNorm {
            GradientClipping.clipByGlobalNorm(optimizer.parameters, maxNorm: maxNorm)
        }
        optimizer.step()
        if network.configuration.assembling == .official { Self.normaliseOfficialAssembling(network.parameters) }
        return total / Double(batch.count)
    }

    /// Stores the effective `w_0 = 1 − Σ w_{1…}` in element 0.
    static func normaliseOfficialAssembling(_ set: ParameterSet) {
        let p = set[P2SAMLayers.assemblingWeightsKey]
        var v = p.value
        v.storage[0] = 1 - v.storage.dropFirst().reduce(0, +)
        p.value = v
    }

    static func gaussianNoise(_ random: SeededRandom, count: Int, dim: Int) -> Tensor {
        Tensor(shape: [count, dim], storage: (0..<(count * dim)).map { _ in Float(random.gaussian()) })
    }

    // MARK: Validation

    /// Validation figures, means over cases.
    public struct ValidationResult: Sendable {
        /// ℓ_seg (stage 1: over non-empty raters; stage 2: over samples x raters).
        public var loss: Double
        /// GED, d = 1 − IoU (stage 1: the one mask; stage 2: `validationSamples` samples).
        public var ged: Double
        /// Mean pairwise 1 − IoU between samples (0 for one mask).
        public var sampleDiversity: Double
    }

    /// Validation loss and GED over `cases`, with a fixed seed (comparable across epochs).
    ///
    /// Stage 1: ℓ_seg of the assembled mask, mean over the non-empty raters, then over cases; GED of the
    /// one mask. Stage 2: `validationSamples` samples; ℓ_seg mean over samples x raters; GED of the
    /// samples. Masks are compared in the model frame, cropped to the image region.
    public func validate(_ cases: [TrainingCase]) throws -> ValidationResult? {
        let saved = network.parameters.all.map(\.requiresGradient)
        network.parameters.setTrainable { _ in false }
        defer { for (p, r) in zip(network.parameters.all, saved) { p.requiresGradient = r } }
        let random = SeededRandom(seed: options.seed &+ 0xA11D)
        var losses: [Double] = []
        var geds: [Double] = []
        var diversities: [Double] = []
        for item in cases {
            let candidates = options.stage == 1 ? options.stageOneCandidates(item) : Array(item.raters.indices)
            var samples: [[Float]] = []
            let count = options.stage == 1 ? 1 : options.validationSamples
            var done = 0
            // The (LoRA-adapted) embedding once per case.
            let embeddingGraph = Graph()
            let embeddingValue = try withExtendedLifetime(embeddingGraph) {
                try embedding(Recording(graph: embeddingGraph, parameters: network.parameters), item).value
            }
            while done < count {
                let chunk = min(4, count - done)
                let graph = Graph()
                let w = Recording(graph: graph, parameters: network.parameters)
                let latent =
                    options.stage == 1
                    ? nil
                    : network.latentSamples(
                        w, pgnInput: item.pgnInput,
                        noise: Self.gaussianNoise(random, count: chunk, dim: network.configuration.latentDim))
                let logits = network.assembledLogits(
                    w, embedding: embeddingValue, latent: latent, batch: options.stage == 1 ? 1 : chunk
                ).value
                let pixels = logits.shape[1]
                for s in 0..<logits.shape[0] {
                    samples.append(Array(logits.storage[(s * pixels)..<((s + 1) * pixels)]))
                }
                done += chunk
            }
            if !candidates.isEmpty {
                var sum = 0.0
                for s in samples {
                    s.withUnsafeBufferPointer { b in
                        for j in candidates { sum += SegmentationLoss.value(logits: b, target: item.raters[j]) }
                    }
                }
                losses.append(sum / Double(samples.count * candidates.count))
            }
            if let score = Self.score(
                samples: samples, raters: item.raters, height: item.resizedHeight, width: item.resizedWidth)
            {
                geds.append(score.ged)
                diversities.append(score.sampleDiversity)
            }
        }
        guard !losses.isEmpty else { return nil }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
        return ValidationResult(loss: mean(losses), ged: mean(geds), sampleDiversity: mean(diversities))
    }

    /// Multi-rater scores (GED with d = 1 − IoU, …) of thresholded sample logits against rater masks,
    /// cropped to `height x width`.
    static func score(samples: [[Float]], raters: [[UInt8]], height: Int, width: Int) -> MultiRaterScore? {
        func crop(_ f: (Int) -> Bool) -> [Bool] {
            var out = [Bool](repeating: false, count: height * width)
            for y in 0..<height { for x in 0..<width { out[y * width + x] = f(y * 256 + x) } }
            return out
        }
        guard
            let sampleMasks = try? samples.map({ s in
                try BinaryMask(width: width, height: height, bools: crop { s[$0] > 0 })
            }),
            let raterMasks = try? raters.map({ r in
                try BinaryMask(width: width, height: height, bools: crop { r[$0] != 0 })
            }),
            let score = try? MultiRaterScore(samples: sampleMasks, raters: raterMasks)
        else { return nil }
        return score
    }
}
