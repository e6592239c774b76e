import Foundation
import P2SAM
import SAMLayers
import SAMTensor
import SeededSampling

/// Fits the presence evidence (`PresenceEvidence`, docs/p2sam-model.md "Empty or not") on training cases, the
/// presence head frozen: logistic regression of the fraction of non-empty rater masks on the head's logit ℓ
/// (an offset) plus `weight · s + bias`, s = the mask statistics `[3]` for the prompt.
///
/// Examples per case: the model's proposed box (the mean box of its `BoxProposal`, when it has one and finds a
/// box: what a user without a box gets) and `drawsPerCase` training prompts (`TrainingBoxPrompts.draw` over the
/// non-empty raters, as stage 2 draws them). With `replacingHead` the head is dropped instead (logit offset 0,
/// head weights set to 0 when stored). The loss is the mean binary cross-entropy plus `l2` · |weight|²,
/// minimised by damped Newton steps (4 parameters, convex).
public struct PresenceEvidenceFit: Sendable, Equatable {
    /// One example: the frozen head's logit, the statistics `[3]` and the target fraction in [0, 1].
    public struct Example: Sendable, Equatable {
        /// The frozen presence head's logit (0 when the evidence replaces the head).
        public var headLogit: Double
        /// `PresenceEvidence.statistics` `[3]` for the example's prompt.
        public var statistics: [Double]
        /// The case's fraction of non-empty rater masks, in [0, 1].
        public var target: Double

        /// An example from its parts.
        public init(headLogit: Double, statistics: [Double], target: Double) {
            self.headLogit = headLogit
            self.statistics = statistics
            self.target = target
        }
    }

    /// `presence_evidence.evidence.weight` `[3]`.
    public var weight: [Float]
    /// `presence_evidence.evidence.bias`.
    public var bias: Float
    /// Examples behind the fit.
    public var exampleCount: Int
    /// Penalised mean cross-entropy with evidence 0 (the head alone, or p = 0.5 when replacing it).
    public var lossBefore: Double
    /// Penalised mean cross-entropy with the fitted evidence.
    public var lossAfter: Double

    /// The penalised mean cross-entropy of parameters θ = `[w0, w1, w2, b]` on `examples`.
    public static func loss(_ theta: [Double], _ examples: [Example], l2: Double) -> Double {
        var total = 0.0
        for e in examples {
            let z = e.headLogit + theta[3] + zip(theta.prefix(3), e.statistics).reduce(0) { $0 + $1.0 * $1.1 }
            // BCE with logits, stable: max(z, 0) − z y + log(1 + e^−|z|).
            total += max(z, 0) - z * e.target + Foundation.log(1 + Foundation.exp(-abs(z)))
        }
        return total / Double(max(examples.count, 1)) + l2 * theta.prefix(3).reduce(0) { $0 + $1 * $1 }
    }

    /// The fit on `examples` (no example: weight and bias 0).
    public init(examples: [Example], l2: Double = 1e-3, iterations: Int = 50) {
        var theta = [Double](repeating: 0, count: 4)
        let before = Self.loss(theta, examples, l2: l2)
        var current = before
        if !examples.isEmpty {
            let n = Double(examples.count)
            for _ in 0..<iterations {
                var gradient = [Double](repeating: 0, count: 4)
                var hessian = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
                for e in examples {
                    let x = e.statistics + [1]
                    let z = e.headLogit + zip(theta, x).reduce(0) { $0 + $1.0 * $1.1 }
                    let p = 1 / (1 + Foundation.exp(-z))
                    for i in 0..<4 {
                        gradient[i] += (p - e.target) * x[i] / n
                        for j in 0..<4 { hessian[i][j] += p * (1 - p) * x[i] * x[j] / n }
                    }
                }
                for i in 0..<3 {
                    gradient[i] += 2 * l2 * theta[i]
                    hessian[i][i] += 2 * l2
                }
                for i in 0..<4 { hessian[i][i] += 1e-9 }
                guard let step = SmallLinearSystem.solve(hessian, gradient, pivotFloor: 1e-15) else { break }
                var scale = 1.0
                var accepted = false
                while scale > 1e-4 {
                    let candidate = zip(theta, step).map { $0 - scale * $1 }
                    let value = Self.loss(candidate, examples, l2: l2)
                    if value <= current {
                        accepted = current - value > 1e-12
                        theta = candidate
                        current = value
                        break
                    }
                    scale /= 2
                }
                if !accepted { break }
            }
        }
        weight = theta.prefix(3).map { Float($0) }
        bias = Float(theta[3])
        exampleCount = examples.count
        lossBefore = before
        lossAfter = current
    }

    /// The examples of `cases` for the stage-2 `network` with a presence head (see the type's description). With
    /// `replacingHead` the head's logit is not used (offset 0): the evidence alone predicts presence, for
    /// `storeReplacingHead(in:)`.
    public static func examples(
        network: P2SAMNetwork, cases: [TrainingCase], prompts: TrainingBoxPrompts = TrainingBoxPrompts(),
        drawsPerCase: Int = 4, seed: UInt64 = 1, replacingHead: Bool = false
    ) -> [Example] {
        guard let presence = network.layers.presence else {
            preconditionFailure("presence evidence needs a model with a presence head")
        }
        let random = SeededRandom(seed: seed &+ 0x4556_4944)
        var out: [Example] = []
        for item in cases where item.hasEmbedding {
            let embedding = item.embedding
            let target = Double(item.nonEmptyRaters.count) / Double(item.raters.count)
            let mean = network.latentGaussian(pgnInput: item.pgnInput).mean
            var boxes: [[Float]?] = []
            if let proposal = network.layers.boxProposal, let raw = network.proposalRawBox(for: item) {
                boxes.append(
                    proposal.meanBox(raw: raw, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth))
            }
            for _ in 0..<drawsPerCase {
                boxes.append(prompts.draw(for: item, raters: item.nonEmptyRaters, random: random))
            }
            for box in boxes {
                let logits = network.assembledLogits(embedding: embedding, latents: [mean], box: box)
                let statistics = PresenceEvidence.statistics(
                    logits: logits.storage, box: box, resizedHeight: item.resizedHeight,
                    resizedWidth: item.resizedWidth)
                let features = PresenceHead.features(
                    embedding: embedding, box: box, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth)
                let logit = presence.logit(TapeFree(), features: features).storage[0]
                out.append(
                    Example(
                        headLogit: replacingHead ? 0 : Double(logit), statistics: statistics.map { Double($0) },
                        target: target))
            }
        }
        return out
    }

    /// As `store(in:)`, and sets the presence head's weight and bias to 0, so the evidence alone gives the
    /// presence logit (a fit on examples made `replacingHead`: 4 parameters instead of 513, which the few
    /// training cases of LIDC can pin down).
    public func storeReplacingHead(in set: ParameterSet) {
        store(in: set)
        for declaration in PresenceHead.headDeclarations where set.contains(declaration.key) {
            set[declaration.key].value = Tensor(shape: declaration.shape)
        }
    }

    /// Stores the fit in `set` as `presence_evidence.evidence.weight` `(1, 3)` and `.bias` `(1)` (added, or
    /// replaced).
    public func store(in set: ParameterSet) {
        for declaration in PresenceEvidence.declarations {
            let storage = declaration.shape.count == 2 ? weight : [bias]
            let tensor = Tensor(shape: declaration.shape, storage: storage)
            if set.contains(declaration.key) {
                set[declaration.key].value = tensor
            } else {
                set.add(declaration.key, tensor)
            }
        }
    }
}
