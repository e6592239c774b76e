import MedImageIO
import SAMTensor

/// An image prepared for prompting: its LiteMedSAM embedding and the geometry that maps prompts
/// in and masks out. Decoding any number of prompts reuses it; the encoder runs once per image.
public struct EmbeddedImage: Sendable {
    /// `[64, 64, 256]` (NHWC).
    public let embedding: Tensor
    /// Original size, and the size of the image inside the padded 256x256 model input.
    public let originalHeight: Int
    public let originalWidth: Int
    public let resizedHeight: Int
    public let resizedWidth: Int

    /// An embedding `[64, 64, 256]` (NHWC) with the original image size and its size after the resize to the 256
    /// frame.
    public init(embedding: Tensor, originalHeight: Int, originalWidth: Int, resizedHeight: Int, resizedWidth: Int) {
        self.embedding = embedding
        self.originalHeight = originalHeight
        self.originalWidth = originalWidth
        self.resizedHeight = resizedHeight
        self.resizedWidth = resizedWidth
    }

    /// The embedding in PyTorch layout `(1, 256, 64, 64)`.
    public func embeddingNCHW() -> Tensor {
        let (h, w, c) = (embedding.shape[0], embedding.shape[1], embedding.shape[2])
        return Tensor(shape: [1, c, h, w]) { out in
            for i in 0..<(h * w) { for ch in 0..<c { out[ch * h * w + i] = embedding.storage[i * c + ch] } }
        }
    }

    /// An embedding given in PyTorch layout `(1, 256, 64, 64)` (e.g. read from `p2sam embed`'s
    /// `.npy`), for an image of the given original size. Rejects other shapes and non-finite values.
    public init(nchw: Tensor, originalHeight: Int, originalWidth: Int) throws {
        guard nchw.shape == [1, 256, 64, 64] else {
            throw PredictorError.invalidEmbedding("shape \(nchw.shape), expected [1, 256, 64, 64]")
        }
        if let bad = nchw.storage.firstIndex(where: { !$0.isFinite }) {
            throw PredictorError.invalidEmbedding("non-finite value \(nchw.storage[bad]) at flat index \(bad)")
        }
        let size = LiteMedSAMPreprocessor.targetSize(height: originalHeight, width: originalWidth)
        let (c, h, w) = (256, 64, 64)
        let nhwc = Tensor(shape: [h, w, c]) { out in
            for ch in 0..<c { for i in 0..<(h * w) { out[i * c + ch] = nchw.storage[ch * h * w + i] } }
        }
        self.init(
            embedding: nhwc, originalHeight: originalHeight, originalWidth: originalWidth,
            resizedHeight: size.height, resizedWidth: size.width)
    }
}

/// Errors of the predictor API, each naming the problem.
public enum PredictorError: Error, CustomStringConvertible, Equatable {
    case invalidEmbedding(String)
    case invalidImage(String)
    case invalidMaskInput(String)
    case noPrompts

    public var description: String {
        switch self {
        case .invalidEmbedding(let why): return "invalid image embedding: \(why)"
        case .invalidImage(let why): return "invalid image: \(why)"
        case .invalidMaskInput(let why): return "invalid mask input: \(why)"
        case .noPrompts: return "no prompt given: pass a box and/or points"
        }
    }
}
