import LiteMedSAM
import SAMTensor

/// AutoMedSAM's answer for one image: per class, logits and a binary mask in the image frame, and the
/// label map (each pixel the class with the highest positive logit, 0 where none is positive).
public struct ClassSegmentation: Sendable {
    public var width: Int
    public var height: Int
    /// The classes, in the order of `logits` and `masks`.
    public var classIDs: [Int]
    /// Per class, logits `height x width` row-major (image frame, LiteMedSAM's postprocessing).
    public var logits: [[Float]]
    /// Per class, 0/1 `height x width` (`logit > 0`).
    public var masks: [[UInt8]]
    /// Class id per pixel (0 background), `height x width`.
    public var labelMap: [UInt8]

    /// The segmentation from decoder logits `[n, 1, 256, 256]` (model frame) of `classIDs` on `image`.
    public init(classIDs: [Int], modelLogits: Tensor, image: EmbeddedImage) {
        let side = 256 * 256
        precondition(
            modelLogits.count == classIDs.count * side, "logits \(modelLogits.shape) for \(classIDs.count) classes")
        width = image.originalWidth
        height = image.originalHeight
        self.classIDs = classIDs
        let upscaled = LiteMedSAMPostprocessor.upscaledLogits(
            modelLogits.storage, count: classIDs.count, resizedHeight: image.resizedHeight,
            resizedWidth: image.resizedWidth, originalHeight: height, originalWidth: width)
        let pixels = width * height
        logits = classIDs.indices.map { Array(upscaled[($0 * pixels)..<(($0 + 1) * pixels)]) }
        masks = logits.map { $0.map { $0 > 0 ? 1 : 0 } }
        var labels = [UInt8](repeating: 0, count: pixels)
        for i in 0..<pixels {
            var best: Float = 0
            for (k, id) in classIDs.enumerated() where logits[k][i] > best {
                best = logits[k][i]
                labels[i] = UInt8(id)
            }
        }
        labelMap = labels
    }

    /// This segmentation with the masks of the classes not `kept` made empty and the label map recomputed
    /// (each pixel the kept class with the highest positive logit, 0 where none); logits are unchanged.
    ///
    /// - Parameter kept: per class (in the order of `classIDs`), whether its mask stays.
    /// - Returns: the filtered segmentation (`self` when every class is kept).
    public func keeping(_ kept: [Bool]) -> ClassSegmentation {
        precondition(kept.count == classIDs.count, "one flag per class")
        guard kept.contains(false) else { return self }
        var out = self
        let pixels = width * height
        for k in classIDs.indices where !kept[k] {
            out.masks[k] = [UInt8](repeating: 0, count: pixels)
        }
        for i in 0..<pixels {
            var best: Float = 0
            var label: UInt8 = 0
            for (k, id) in classIDs.enumerated() where kept[k] && logits[k][i] > best {
                best = logits[k][i]
                label = UInt8(id)
            }
            out.labelMap[i] = label
        }
        return out
    }
}
