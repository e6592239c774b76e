import Foundation
import SAMLayers
import SAMTensor

/// `presence_evidence`: per-image evidence added to the presence head's logit (an extension; docs/p2sam-model.md,
/// "Empty or not"): statistics of the model's own mask inside the prompt, so the share of empty samples can
/// follow the image instead of the training base rate.
///
/// The model decodes once with the prompt in use and z = μ (fused logits F `[256, 256]`, model frame); over the
/// pixels of the prompt box (256 frame, clipped to the image region; the image region without a box) the
/// statistics `[3]` are: max σ(F), mean σ(F), and the predicted area `log(1 + #{F > 0}) / log(1 + 256²)` (the
/// number of pixels with F > 0, on a log scale in [0, 1]: small cross-sections are where raters disagree on
/// whether there is a lesion at all). The presence logit becomes
/// `presence.head(f) + evidence.weight · s + evidence.bias`.
public struct PresenceEvidence: Sendable, DeclaresParameters {
    /// The key prefix in a P²SAM model file.
    public static let defaultKey = "presence_evidence"
    /// The number of statistics.
    public static let featureCount = 3

    /// `presence_evidence.evidence`: Linear 3 → 1.
    public let evidence: LinearLayer

    /// Reads `prefix.evidence.weight` (1, 3) and `prefix.evidence.bias` (1) from `store`, strictly.
    public init(_ store: inout WeightStore, prefix: String = defaultKey) throws {
        evidence = try LinearLayer(&store, "\(prefix).evidence", in: Self.featureCount, out: 1)
    }

    public var parameterDeclarations: [ParameterDeclaration] { evidence.parameterDeclarations }

    /// The keys and shapes without any weights (from a placeholder store).
    public static var declarations: [ParameterDeclaration] {
        var store = WeightStore.placeholder()
        do { return try PresenceEvidence(&store).parameterDeclarations } catch {
            preconditionFailure("a placeholder weight store cannot lack a key: \(error)")
        }
    }

    /// The statistics `[max σ(F), mean σ(F), log-area of F > 0]` of fused logits `[256 * 256]` (row-major model frame)
    /// over `box` `[x0, y0, x1, y1]` (256 frame; nil: the image region `resizedHeight x resizedWidth`).
    public static func statistics(logits: [Float], box: [Float]?, resizedHeight: Int, resizedWidth: Int) -> [Float] {
        precondition(logits.count == 256 * 256, "logits must be 256x256")
        let w = max(1, min(resizedWidth, 256))
        let h = max(1, min(resizedHeight, 256))
        var x0 = 0
        var y0 = 0
        var x1 = w
        var y1 = h
        if let box {
            precondition(box.count == 4, "box must be [x0, y0, x1, y1]")
            x0 = min(max(Int(box[0].rounded(.down)), 0), w - 1)
            y0 = min(max(Int(box[1].rounded(.down)), 0), h - 1)
            x1 = max(min(Int(box[2].rounded(.up)), w), x0 + 1)
            y1 = max(min(Int(box[3].rounded(.up)), h), y0 + 1)
        }
        var maximum: Float = 0
        var sum = 0.0
        var positive = 0
        for y in y0..<y1 {
            for x in x0..<x1 {
                let f = logits[y * 256 + x]
                let p = 1 / (1 + expf(-f))
                maximum = max(maximum, p)
                sum += Double(p)
                if f > 0 { positive += 1 }
            }
        }
        let n = Double((x1 - x0) * (y1 - y0))
        return [maximum, Float(sum / n), Float(Foundation.log1p(Double(positive)) / Foundation.log1p(65536))]
    }

    /// The evidence's contribution `[1]` to the presence logit for statistics `[3]` (tape-free).
    public func logit(statistics: [Float]) -> Float {
        precondition(statistics.count == Self.featureCount, "evidence needs \(Self.featureCount) statistics")
        return TapeFree().linear(Tensor(shape: [1, Self.featureCount], storage: statistics), evidence).storage[0]
    }
}
