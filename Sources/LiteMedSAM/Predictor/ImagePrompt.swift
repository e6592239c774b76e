import MedImageIO
import SAMTensor

/// A prompt in the pixel frame of the original image (x = column, y = row): an optional box and
/// any number of labelled points. Mapped to the 256x256 model frame by `LiteMedSAMPredictor`.
public struct ImagePrompt: Sendable, Equatable {
    public var box: BoundingBox?
    public var points: [PromptPoint]

    /// A prompt of an optional box and any number of points, in image pixels.
    public init(box: BoundingBox? = nil, points: [PromptPoint] = []) {
        self.box = box
        self.points = points
    }
}

extension Prompt {
    /// `prompt` (image pixels) mapped to the 256x256 model frame as upstream does it
    /// (`int(coord · 256 / max(H, W))`), after checking it lies inside an `imageWidth x imageHeight` image.
    ///
    /// - Throws: `MedImageIOError.invalidPrompt` for a prompt outside the image or with more than
    ///   ``Prompt/maximumPointCount`` points.
    public init(_ prompt: ImagePrompt, imageHeight: Int, imageWidth: Int) throws {
        self.init()
        guard prompt.points.count <= Prompt.maximumPointCount else {
            throw MedImageIOError.invalidPrompt(
                "\(prompt.points.count) points exceed the limit of \(Prompt.maximumPointCount) per prompt")
        }
        if let box = prompt.box {
            let b = try PromptMapping.modelBox(box, height: imageHeight, width: imageWidth)
            self.box = BoxPrompt(x0: b[0], y0: b[1], x1: b[2], y1: b[3])
        }
        points = try prompt.points.map { point in
            let p = try PromptMapping.modelPoint(point, height: imageHeight, width: imageWidth)
            return PointPrompt(x: p[0], y: p[1], label: point.isPositive ? .positive : .negative)
        }
    }
}

/// The result of one prompt.
public struct Segmentation: Sendable {
    /// Decoder logits `[K, 256, 256]` in the padded model frame (threshold at 0).
    public var logits: Tensor
    /// Predicted IoU per returned mask token (`K` values).
    public var iouPredictions: [Float]
    /// Thresholded masks at the original image size, one per returned token.
    public var masks: [MaskImage]

    /// Index of the mask with the highest predicted IoU.
    public var bestIndex: Int {
        iouPredictions.indices.max { iouPredictions[$0] < iouPredictions[$1] } ?? 0
    }
}
