import Foundation
import SAMLayers
import SAMTensor

/// `presence`: the probability that a rater draws any lesion at all ("empty or not"), predicted from the
/// image embedding and the prompt box (an extension, not in the paper; docs/p2sam-model.md).
///
/// Features (`[512]`): the mean of the embedding `[64, 64, 256]` (NHWC) over the 64-grid cells (4x4 model pixels each) that the
/// prompt box covers (256 model frame, clipped to the image region), then its mean over the whole image
/// region; without a box (or for the full-image prompt) both halves are the image-region mean.
/// `head` (Linear 512 → 1) gives the logit; p = σ(logit). The sampler draws, per sample, "present" with
/// probability p and returns an empty mask otherwise.
public struct PresenceHead: Sendable, DeclaresParameters {
    /// The key prefix of the head in a P²SAM model file.
    public static let defaultKey = "presence"
    /// The feature width (box mean + image mean of the 256-channel embedding).
    public static let featureCount = 512

    /// `presence.head`: Linear 512 → 1.
    public let head: LinearLayer

    /// Reads `prefix.head.weight` (1, 512) and `prefix.head.bias` (1) from `store`, strictly.
    public init(_ store: inout WeightStore, prefix: String = defaultKey) throws {
        head = try LinearLayer(&store, "\(prefix).head", in: Self.featureCount, out: 1)
    }

    /// Whether `store` holds any tensor under `prefix`.
    public static func isPresent(in store: WeightStore, prefix: String = defaultKey) -> Bool {
        store.keys.contains { $0.hasPrefix(prefix + ".") }
    }

    public var parameterDeclarations: [ParameterDeclaration] { head.parameterDeclarations }

    /// The head's keys and shapes without any weights (from a placeholder store).
    public static var headDeclarations: [ParameterDeclaration] {
        var store = WeightStore.placeholder()
        do { return try PresenceHead(&store).parameterDeclarations } catch {
            preconditionFailure("a placeholder weight store cannot lack a key: \(error)")
        }
    }

    /// The features `[512]` of an embedding `[64, 64, C]` (NHWC, C = 256) for a box `[x0, y0, x1, y1]` in the
    /// 256 model frame (nil: the image region), with the image occupying `resizedHeight x resizedWidth` of
    /// the frame.
    public static func features(embedding: Tensor, box: [Float]?, resizedHeight: Int, resizedWidth: Int) -> Tensor {
        precondition(embedding.rank == 3 && embedding.shape[2] * 2 == featureCount, "embedding \(embedding.shape)")
        let side = embedding.shape[0]
        let cell = 256 / side
        let maxX = max(1, min(side, (resizedWidth + cell - 1) / cell))
        let maxY = max(1, min(side, (resizedHeight + cell - 1) / cell))
        func mean(x0: Int, y0: Int, x1: Int, y1: Int) -> [Float] {
            let channels = embedding.shape[2]
            var sum = [Double](repeating: 0, count: channels)
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let base = (y * side + x) * channels
                    for c in 0..<channels { sum[c] += Double(embedding.storage[base + c]) }
                }
            }
            let n = Double((x1 - x0) * (y1 - y0))
            return sum.map { Float($0 / n) }
        }
        let region = mean(x0: 0, y0: 0, x1: maxX, y1: maxY)
        var inside = region
        if let box {
            precondition(box.count == 4, "box must be [x0, y0, x1, y1]")
            let x0 = min(max(Int((box[0] / Float(cell)).rounded(.down)), 0), maxX - 1)
            let y0 = min(max(Int((box[1] / Float(cell)).rounded(.down)), 0), maxY - 1)
            let x1 = max(min(Int((box[2] / Float(cell)).rounded(.up)), maxX), x0 + 1)
            let y1 = max(min(Int((box[3] / Float(cell)).rounded(.up)), maxY), y0 + 1)
            inside = mean(x0: x0, y0: y0, x1: x1, y1: y1)
        }
        return Tensor(shape: [featureCount], storage: inside + region)
    }

    /// The presence logit `[1]` of features `[512]` in context `c`.
    public func logit<C: ForwardContext>(_ c: C, features: C.Value) -> C.Value {
        c.linear(features, head)
    }

    /// The presence probability σ(logit) of features `[512]` (tape-free).
    public func probability(features: Tensor) -> Float {
        let logit = self.logit(TapeFree(), features: features).storage[0]
        return 1 / (1 + expf(-logit))
    }
}
