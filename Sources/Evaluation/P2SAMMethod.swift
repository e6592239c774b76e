import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterMetrics
import P2SAM

/// P²SAM as an evaluation method: n masks drawn from the model (the case's embedding is reused);
/// final = pixels marked by at least half of the samples. Without `--p2sam-box` the model's own
/// default prompt is used (or, for a model with a box proposal, the boxes it proposes: `sampler.boxProposal`),
/// so no box is needed and cases with empty raters are evaluated too. A mixture of several models
/// (`P2SAMMixture`) pools their samples: of n, each model draws its share.
public struct P2SAMMethod: EvaluationMethod {
    /// The model(s) drawing the samples.
    public var mixture: P2SAMMixture
    /// Condition the samples on the simulated box.
    public var conditionOnBox: Bool
    /// Use the model's presence head (empty samples in its predicted proportion); false decodes every sample
    /// (the ablation "without the presence head"). No effect on a model without the head.
    public var usesPresence = true

    /// P²SAM sampling with `sampler`; `conditionOnBox` prompts the samples with the simulated box instead of the
    /// model's default prompt.
    public init(sampler: P2SAMSampler, conditionOnBox: Bool) {
        self.init(mixture: P2SAMMixture(sampler), conditionOnBox: conditionOnBox)
    }

    /// P²SAM sampling pooled over the models of `mixture`; `conditionOnBox` as in `init(sampler:conditionOnBox:)`.
    public init(mixture: P2SAMMixture, conditionOnBox: Bool) {
        self.mixture = mixture
        self.conditionOnBox = conditionOnBox
    }

    public var needsBox: Bool { conditionOnBox }

    public func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        var prepared = try mixture.prepare(
            input.picture, embedded: input.segmenter.image,
            prompt: conditionOnBox ? ImagePrompt(box: input.box) : nil)
        if !usesPresence {
            for k in prepared.indices { prepared[k].presenceProbability = nil }
        }
        var samples: [BinaryMask] = []
        let seed = UInt64(input.random.integer(below: Int(UInt32.max)))
        let statistics = try mixture.sample(prepared, count: input.count, seed: seed) { _, mask in
            samples.append(try BinaryMask(width: mask.width, height: mask.height, bytes: mask.pixels))
        }
        let final = try BinaryMask(
            width: statistics.width, height: statistics.height, floats: statistics.frequency, threshold: 0.4999)
        let entropy = statistics.entropy
        return EvaluationOutput(
            final: final, samples: samples,
            meanEntropy: Double(entropy.reduce(0, +)) / Double(max(1, entropy.count)))
    }
}
