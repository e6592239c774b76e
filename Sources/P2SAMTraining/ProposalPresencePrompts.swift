import Foundation
import P2SAM
import SAMTensor
import SeededSampling

/// The prompts a model's presence head meets when the model proposes its own box (docs/p2sam-model.md, "Box
/// proposal"), for refitting the head on them (`PresencePromptSource.proposal`).
///
/// Per training case the **raw box** `[x0, y0, x1, y1]` (256 model frame) of the model's own mask for its default
/// prompt and z = μ (`BoxProposal.rawBox`; nil when no pixel is positive: the default prompt is used, as at
/// inference); per step one box drawn from `N(raw + offset, diag(σ²))` and clipped to the image region
/// (`BoxProposal.clipped`), as `BoxProposalMode.sampled` draws the box of each sample.
public struct ProposalPresencePrompts: Sendable, Equatable {
    /// The proposal's mean offset per corner coordinate (model pixels).
    public var offset: [Float]
    /// The proposal's σ per corner coordinate (model pixels, ≥ 0).
    public var standardDeviation: [Float]
    /// Raw box per case ID; cases without a raw box are absent.
    public var rawBoxes: [String: [Float]]

    /// Prompts from their parts: `offset` and `standardDeviation` `[4]` each, raw boxes `[4]` per case ID.
    public init(offset: [Float], standardDeviation: [Float], rawBoxes: [String: [Float]]) {
        precondition(offset.count == 4 && standardDeviation.count == 4, "offset and σ must have 4 values")
        precondition(rawBoxes.values.allSatisfy { $0.count == 4 }, "raw boxes must be [x0, y0, x1, y1]")
        self.offset = offset
        self.standardDeviation = standardDeviation
        self.rawBoxes = rawBoxes
    }

    /// The prompts of the stage-2 `network` with a box proposal on `cases`: one decode per case (default prompt,
    /// z = μ of the PGN) for its raw box, refined as the network's configuration says
    /// (`P2SAMNetwork.proposalRawBox`); the proposal's offset and σ from the network's parameters.
    ///
    /// - Throws: `P2SAMTrainingError.invalidModel` when the network has no PGN or no box proposal.
    public init(network: P2SAMNetwork, cases: [TrainingCase]) throws {
        guard network.hasPGN, let proposal = network.layers.boxProposal else {
            throw P2SAMTrainingError.invalidModel(
                "proposal prompts need a stage-2 model with a box proposal (p2sam train --box-proposal-only)")
        }
        var boxes: [String: [Float]] = [:]
        for item in cases where item.hasEmbedding {
            if let raw = network.proposalRawBox(for: item) { boxes[item.caseID] = raw }
        }
        self.init(offset: proposal.offset.values, standardDeviation: proposal.standardDeviation, rawBoxes: boxes)
    }

    /// One proposal box for `item` (4 `random.gaussian()` draws in corner order, clipped to the image region), or
    /// nil when the model proposed no box for it (the default prompt).
    public func draw(for item: TrainingCase, random: SeededRandom) -> [Float]? {
        guard let raw = rawBoxes[item.caseID] else { return nil }
        let box = (0..<4).map { raw[$0] + offset[$0] + standardDeviation[$0] * Float(random.gaussian()) }
        return BoxProposal.clipped(box, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth)
    }
}
