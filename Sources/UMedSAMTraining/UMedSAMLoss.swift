import Foundation
import MultiRaterMetrics
import Optimisers
import SAMAutograd
import SAMTensor

/// U-MedSAM's loss terms, as the released code computes them, for one mask.
///
/// - dice: soft Dice with squared denominators on `p = σ(logits)` (`Loss.squaredDice`, smoothing 1e-5);
/// - bce: binary cross-entropy with logits;
/// - iou: `(IoU head − IoU(logits > 0, ground truth))²`, the real IoU a constant;
/// - shape: `Σ |D − p| / Σ p` with `D = σ(−(1 − E/max E)/0.2) · GT`, E the Euclidean distance
///   transform of the ground truth (`Loss.shapeDistance`).
public enum UMedSAMLoss {
    /// The temperature 0.2 of the shape-distance map.
    public static let shapeTemperature = 0.2

    /// The boundary-aware map `D` `[1, side, side]` of a 0/1 mask (row-major `side x side`): `σ(−(1 − E/max
    /// E)/0.2) · GT`, with `E` the distance of each foreground pixel to the nearest background pixel. An empty
    /// mask gives zeros.
    ///
    /// - Parameters:
    ///   - mask: 0/1 bytes, `side * side`.
    ///   - side: the mask's side.
    public static func shapeDistanceMap(mask: [UInt8], side: Int) -> Tensor {
        let foreground = mask.map { $0 != 0 }
        var distance = ForegroundDistance.distances(foreground, height: side, width: side)
        let finiteMax = distance.filter(\.isFinite).max() ?? 0
        for i in distance.indices where !distance[i].isFinite { distance[i] = finiteMax }
        let maximum = distance.max() ?? 0
        let values: [Float] = distance.indices.map { i in
            guard foreground[i], maximum > 0 else { return 0 }
            let normalised = distance[i] / maximum
            return Float(1 / (1 + Foundation.exp((1 - normalised) / shapeTemperature)))
        }
        return Tensor(shape: [1, side, side], storage: values)
    }

    /// IoU of the mask `logits > 0` with the 0/1 `target` (1 when both are empty).
    ///
    /// - Parameters:
    ///   - logits: mask logits, any shape with `target.count` elements.
    ///   - target: 0/1 bytes.
    public static func thresholdedIoU(logits: Tensor, target: [UInt8]) -> Float {
        precondition(logits.count == target.count, "thresholdedIoU: \(logits.count) logits vs \(target.count) pixels")
        var intersection = 0
        var union = 0
        for i in 0..<target.count {
            let predicted = logits.storage[i] > 0
            let actual = target[i] != 0
            if predicted && actual { intersection += 1 }
            if predicted || actual { union += 1 }
        }
        return union == 0 ? 1 : Float(intersection) / Float(union)
    }

    /// The requested terms of one prediction, in the order of `terms`.
    ///
    /// - Parameters:
    ///   - terms: which terms, in order.
    ///   - logits: `[1, side, side]` mask logits.
    ///   - iouPrediction: the IoU head's prediction for the mask, one element.
    ///   - mask: the ground truth, 0/1 bytes `side * side`.
    /// - Returns: one scalar variable per term.
    public static func terms(_ terms: [UMedSAMLossTerm], logits: Variable, iouPrediction: Variable, mask: [UInt8])
        -> [Variable]
    {
        let side = logits.shape.last ?? 0
        precondition(logits.shape == [1, side, side] && mask.count == side * side, "UMedSAM loss: shape mismatch")
        let target = Tensor(shape: [1, side, side], storage: mask.map { Float($0) })
        return terms.map { term in
            switch term {
            case .dice: return Loss.squaredDice(logits: logits, targets: target)
            case .bce: return Loss.binaryCrossEntropy(logits: logits, targets: target)
            case .iou:
                let actual = thresholdedIoU(logits: logits.value, target: mask)
                return Loss.meanSquaredError(iouPrediction.reshaped([1]), target: Tensor(shape: [1], storage: [actual]))
            case .shape:
                return Loss.shapeDistance(logits: logits, distanceMap: shapeDistanceMap(mask: mask, side: side))
            }
        }
    }

    /// The weighted total of scalar `losses`: `Σ L` for fixed weights, else the uncertainty weighting with
    /// `sigmas` `[M]`.
    ///
    /// - Parameters:
    ///   - losses: the terms' scalar values.
    ///   - weighting: the combination.
    ///   - sigmas: the learned σ `[M]` (nil with fixed weights).
    public static func combine(_ losses: [Variable], weighting: UMedSAMLossWeighting, sigmas: Variable?) -> Variable {
        guard let form = weighting.uncertainty, let sigmas else {
            return losses.dropFirst().reduce(losses[0].reshaped([])) { $0 + $1.reshaped([]) }
        }
        return form.combine(losses.map { $0.reshaped([]) }, sigmas: sigmas)
    }
}
