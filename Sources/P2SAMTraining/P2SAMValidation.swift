import Foundation
import MultiRaterMetrics
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling

extension P2SAMTrainer {
    // MARK: Validation

    /// Validation figures, means over cases (encoded as `validationLoss`, `validationGED`,
    /// `validationDiversity` in a resume file's history).
    public struct ValidationResult: Sendable, Codable, Equatable {
        /// ℓ_seg (stage 1: over non-empty raters; stage 2: over samples x raters).
        public var loss: Double
        /// GED, d = 1 − IoU (stage 1: the one mask; stage 2: `validationSamples` samples).
        public var ged: Double
        /// Mean pairwise 1 − IoU between samples (0 for one mask).
        public var sampleDiversity: Double
        /// Stage 2: the PGN's log σ (after its bound) over the validation cases and latent dimensions, else nil.
        public var logDeviation: LogDeviationStatistics?
        /// Stage 2: the fraction of the scored samples (as drawn, absent ones empty) without a positive pixel in the
        /// image region, over all validation cases; nil for stage 1 and in histories written before it was recorded.
        public var emptySampleFraction: Double? = nil
        /// The fraction of the validation cases' rater masks that are empty (nil as `emptySampleFraction`).
        public var emptyRaterFraction: Double? = nil

        /// Figures from their parts (see the properties).
        public init(
            loss: Double, ged: Double, sampleDiversity: Double, logDeviation: LogDeviationStatistics?,
            emptySampleFraction: Double? = nil, emptyRaterFraction: Double? = nil
        ) {
            self.loss = loss
            self.ged = ged
            self.sampleDiversity = sampleDiversity
            self.logDeviation = logDeviation
            self.emptySampleFraction = emptySampleFraction
            self.emptyRaterFraction = emptyRaterFraction
        }

        /// Whether the samples collapsed to "no lesion": every scored sample is empty although some rater marked
        /// something (false when not recorded).
        public var samplesAllEmptyAgainstRaters: Bool {
            guard let emptySampleFraction, let emptyRaterFraction else { return false }
            return emptySampleFraction >= 1 && emptyRaterFraction < 1
        }

        enum CodingKeys: String, CodingKey {
            case loss = "validationLoss"
            case ged = "validationGED"
            case sampleDiversity = "validationDiversity"
            case logDeviation = "validationLogSigma"
            case emptySampleFraction = "validationEmptySamples"
            case emptyRaterFraction = "validationEmptyRaters"
        }
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
        var logDeviations: [Float] = []
        var scoredSamples = 0
        var emptySamples = 0
        var raterMasks = 0
        var emptyRaterMasks = 0
        for item in cases {
            if options.stage == 2 {
                logDeviations += network.latentGaussian(pgnInput: item.pgnInput).standardDeviation.map {
                    Foundation.log($0)
                }
            }
            let candidates =
                options.stage == 1
                ? options.stageOneCandidates(item)
                : network.hasPresenceHead ? item.nonEmptyRaters : Array(item.raters.indices)
            let box = options.boxPrompts?.draw(for: item, raters: candidates, random: random)
            let presence =
                options.stage == 2 && network.hasPresenceHead && item.hasEmbedding
                ? network.presenceProbability(
                    features: PresenceHead.features(
                        embedding: item.embedding, box: box, resizedHeight: item.resizedHeight,
                        resizedWidth: item.resizedWidth)) : nil
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
                    w, embedding: embeddingValue, latent: latent, batch: options.stage == 1 ? 1 : chunk, box: box
                ).value
                let pixels = logits.shape[1]
                for s in 0..<logits.shape[0] {
                    samples.append(Array(logits.storage[(s * pixels)..<((s + 1) * pixels)]))
                }
                done += chunk
            }
            // The loss scores the decoded masks; GED scores the samples as drawn (absent ones empty).
            var drawn = samples
            if let presence {
                for s in drawn.indices where random.uniform() >= Double(presence) {
                    drawn[s] = [Float](repeating: -1, count: drawn[s].count)
                }
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
                samples: drawn, raters: item.raters, height: item.resizedHeight, width: item.resizedWidth)
            {
                geds.append(score.ged)
                diversities.append(score.sampleDiversity)
                scoredSamples += drawn.count
                emptySamples +=
                    drawn.filter { sample in
                        ModelFrameTightBox.box(height: item.resizedHeight, width: item.resizedWidth) { sample[$0] > 0 }
                            == nil
                    }.count
                raterMasks += item.raters.count
                emptyRaterMasks += item.raters.count - item.nonEmptyRaters.count
            }
        }
        guard !losses.isEmpty else { return nil }
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
        var result = ValidationResult(
            loss: mean(losses), ged: mean(geds), sampleDiversity: mean(diversities),
            logDeviation: LogDeviationStatistics(logDeviations, ceiling: network.configuration.logDeviationCeiling))
        if options.stage == 2 && scoredSamples > 0 && raterMasks > 0 {
            result.emptySampleFraction = Double(emptySamples) / Double(scoredSamples)
            result.emptyRaterFraction = Double(emptyRaterMasks) / Double(raterMasks)
        }
        return result
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
