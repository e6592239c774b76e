import Foundation
import SAMLayers
import SAMTensor
import SeededSampling

/// `box_proposal`: the box prompt a model proposes for itself when the user gives none (an extension, not in the
/// paper; docs/p2sam-model.md, "Box proposal").
///
/// The model decodes once with its default prompt and z = μ (the PGN's mean); the **raw box** is the tight box
/// `[minX, minY, maxX + 1, maxY + 1]` (256 model frame) of the fused logits `F > 0` inside the image region (of every
/// positive pixel, or of the largest connected region: `BoxProposalRegion`, the model's metadata
/// `box_proposal_region`; nil when no pixel is positive: the model's default prompt is used as before). The proposal is a Gaussian over the four
/// corners, `N(raw + offset, diag(σ²))`, with `offset` and σ = exp(`log_std`) fitted on the training cases to the
/// raters' tight boxes (`p2sam train --box-proposal-only`): a prompt distribution in P²SAM's sense, whose draws
/// the prompt encoder encodes like a user's box.
public struct BoxProposal: Sendable, DeclaresParameters {
    /// The key prefix of the proposal in a P²SAM model file.
    public static let defaultKey = "box_proposal"

    /// `box_proposal.offset` `(4)`: mean of (rater box − raw box) per corner coordinate `[x0, y0, x1, y1]`.
    public let offset: ParameterTensor
    /// `box_proposal.log_std` `(4)`: log σ of the corner coordinates around `raw + offset`.
    public let logStandardDeviation: ParameterTensor

    /// Reads `prefix.offset` (4) and `prefix.log_std` (4) from `store`, strictly.
    public init(_ store: inout WeightStore, prefix: String = defaultKey) throws {
        offset = try ParameterTensor(&store, "\(prefix).offset", shape: [4])
        logStandardDeviation = try ParameterTensor(&store, "\(prefix).log_std", shape: [4])
    }

    /// Whether `store` holds any tensor under `prefix`.
    public static func isPresent(in store: WeightStore, prefix: String = defaultKey) -> Bool {
        store.keys.contains { $0.hasPrefix(prefix + ".") }
    }

    public var parameterDeclarations: [ParameterDeclaration] {
        offset.parameterDeclarations + logStandardDeviation.parameterDeclarations
    }

    /// The proposal's keys and shapes without any weights (from a placeholder store).
    public static var declarations: [ParameterDeclaration] {
        var store = WeightStore.placeholder()
        do { return try BoxProposal(&store).parameterDeclarations } catch {
            preconditionFailure("a placeholder weight store cannot lack a key: \(error)")
        }
    }

    /// σ per corner coordinate (model pixels).
    public var standardDeviation: [Float] { logStandardDeviation.values.map { expf($0) } }

    /// The raw box `[x0, y0, x1, y1]` (256 frame): the tight box of `logits > 0` (of every positive pixel, or of the
    /// largest connected region: `region`), for fused logits `[256 * 256]` (row-major model frame) of an image
    /// occupying `resizedHeight x resizedWidth`; nil when no pixel of the image region is positive.
    public static func rawBox(
        logits: [Float], resizedHeight: Int, resizedWidth: Int, region: BoxProposalRegion = .all
    ) -> [Float]? {
        region.tightBox(logits: logits, resizedHeight: resizedHeight, resizedWidth: resizedWidth)
    }

    /// The raw box after up to `passes` refinement passes (docs/p2sam-model.md, "Box proposal"): each pass
    /// calls `logits(box)` — the fused logits `[256 * 256]` (model frame) of one decode prompted by the current box
    /// `[x0, y0, x1, y1]` (256 frame), z = μ — and takes their tight box (`rawBox` with `region`). It stops early
    /// when the box stops moving, and keeps the current box when a pass decodes nothing. `raw` nil (the first decode
    /// found nothing) or `passes` 0 returns `raw` unchanged without calling `logits`.
    public static func refinedRawBox(
        _ raw: [Float]?, passes: Int, resizedHeight: Int, resizedWidth: Int, region: BoxProposalRegion = .all,
        logits: ([Float]) -> [Float]
    ) -> [Float]? {
        precondition(passes >= 0, "refinement passes must not be negative")
        guard var box = raw else { return nil }
        for _ in 0..<passes {
            guard
                let next = rawBox(
                    logits: logits(box), resizedHeight: resizedHeight, resizedWidth: resizedWidth, region: region),
                next != box
            else { break }
            box = next
        }
        return box
    }

    /// `box` with its corners put in order and clipped to the image region (at least one pixel wide and high).
    public static func clipped(_ box: [Float], resizedHeight: Int, resizedWidth: Int) -> [Float] {
        precondition(box.count == 4, "box must be [x0, y0, x1, y1]")
        let w = Float(max(resizedWidth, 1))
        let h = Float(max(resizedHeight, 1))
        let x0 = min(max(min(box[0], box[2]), 0), w - 1)
        let y0 = min(max(min(box[1], box[3]), 0), h - 1)
        let x1 = min(max(max(box[0], box[2]), x0 + 1), w)
        let y1 = min(max(max(box[1], box[3]), y0 + 1), h)
        return [x0, y0, x1, y1]
    }

    /// The proposal's mean box `raw + offset`, clipped to the image region.
    public func meanBox(raw: [Float], resizedHeight: Int, resizedWidth: Int) -> [Float] {
        precondition(raw.count == 4, "box must be [x0, y0, x1, y1]")
        return Self.clipped(
            zip(raw, offset.values).map { $0 + $1 }, resizedHeight: resizedHeight, resizedWidth: resizedWidth)
    }

    /// `count` boxes drawn from `N(raw + offset, diag(σ²))`, clipped to the image region; the draws are
    /// `gsl_ran_gaussian` on a GSL mt19937 seeded with `seed` (box k uses draws 4k … 4k + 3 in corner order).
    public func sampledBoxes(raw: [Float], count: Int, seed: UInt64, resizedHeight: Int, resizedWidth: Int)
        -> [[Float]]
    {
        let mean = zip(raw, offset.values).map { $0 + $1 }
        let sigma = standardDeviation
        let random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            Self.clipped(
                (0..<4).map { mean[$0] + sigma[$0] * Float(random.gaussian()) }, resizedHeight: resizedHeight,
                resizedWidth: resizedWidth)
        }
    }
}
