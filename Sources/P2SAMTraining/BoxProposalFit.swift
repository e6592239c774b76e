import Foundation
import P2SAM
import SAMLayers
import SAMTensor

/// Fits a model's box proposal (`BoxProposal`, docs/p2sam-model.md "Box proposal") on training cases: the raw box
/// (the tight box of the fused logits `F > 0` for the default prompt and z = μ, optionally refined) against every non-empty rater's
/// tight box (`TrainingBoxPrompts.tightBox`), all in the 256 model frame.
///
/// With residuals r = rater box − raw box over all (case, non-empty rater) pairs, per corner coordinate:
/// `offset` = mean r and σ = the root mean square of r − offset (at least `minimumStandardDeviation`), so
/// `N(raw + offset, diag(σ²))` is the maximum-likelihood Gaussian of the raters' corners around the raw box.
public struct BoxProposalFit: Sendable, Equatable {
    /// Mean residual per corner coordinate `[x0, y0, x1, y1]` (model pixels).
    public var offset: [Float]
    /// σ per corner coordinate (model pixels).
    public var standardDeviation: [Float]
    /// (case, non-empty rater) pairs behind the fit.
    public var pairCount: Int
    /// Cases with a non-empty rater for which the model proposed no box (no positive pixel).
    public var casesWithoutProposal: Int

    /// The smallest σ stored (model pixels), so a perfectly fitting training set still leaves some spread.
    public static let minimumStandardDeviation: Float = 1

    /// The fit from (raw box, rater box) pairs `[4]` each; with no pair, offset 0 and σ = the minimum.
    public init(pairs: [(raw: [Float], rater: [Float])], casesWithoutProposal: Int = 0) {
        var offset = [Float](repeating: 0, count: 4)
        var deviation = [Float](repeating: Self.minimumStandardDeviation, count: 4)
        if !pairs.isEmpty {
            let n = Double(pairs.count)
            let means = (0..<4).map { c in pairs.reduce(0.0) { $0 + Double($1.rater[c] - $1.raw[c]) } / n }
            offset = means.map { Float($0) }
            deviation = (0..<4).map { c in
                let variance =
                    pairs.reduce(0.0) {
                        let d = Double($1.rater[c] - $1.raw[c]) - means[c]
                        return $0 + d * d
                    } / n
                return max(Float(variance.squareRoot()), Self.minimumStandardDeviation)
            }
        }
        self.offset = offset
        standardDeviation = deviation
        pairCount = pairs.count
        self.casesWithoutProposal = casesWithoutProposal
    }

    /// Fits the proposal of `network` (a stage-2 network: the PGN gives μ) on `cases`, for raw boxes of `region`
    /// refined by `refinementPasses` passes (`P2SAMNetwork.proposalRawBox`; nil: the network's configuration's).
    public init(
        network: P2SAMNetwork, cases: [TrainingCase], refinementPasses: Int? = nil, region: BoxProposalRegion? = nil
    ) {
        precondition(network.hasPGN, "the box proposal needs a stage-2 model (z = μ of the PGN)")
        var pairs: [(raw: [Float], rater: [Float])] = []
        var without = 0
        for item in cases where !item.nonEmptyRaters.isEmpty {
            guard let raw = network.proposalRawBox(for: item, refinementPasses: refinementPasses, region: region) else {
                without += 1
                continue
            }
            for k in item.nonEmptyRaters {
                if let box = TrainingBoxPrompts.tightBox(of: item.raters[k]) { pairs.append((raw, box)) }
            }
        }
        self.init(pairs: pairs, casesWithoutProposal: without)
    }

    /// The fit with σ multiplied by `factor` (> 0): a wider or narrower spread of the drawn boxes than the
    /// maximum-likelihood one (`p2sam train --box-proposal-spread`), e.g. chosen on validation cases.
    public func spread(by factor: Float) -> BoxProposalFit {
        precondition(factor > 0 && factor.isFinite, "the spread factor must be positive")
        var copy = self
        copy.standardDeviation = standardDeviation.map { $0 * factor }
        return copy
    }

    /// Stores the fit in `set` as `box_proposal.offset` and `box_proposal.log_std` (added, or replaced).
    public func store(in set: ParameterSet) {
        let values = [offset, standardDeviation.map { Foundation.log($0) }]
        for (declaration, storage) in zip(BoxProposal.declarations, values) {
            let tensor = Tensor(shape: declaration.shape, storage: storage)
            if set.contains(declaration.key) {
                set[declaration.key].value = tensor
            } else {
                set.add(declaration.key, tensor)
            }
        }
    }
}
