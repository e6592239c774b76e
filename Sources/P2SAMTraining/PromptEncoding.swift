import Foundation
import SAMTensor

/// SAM's random-Fourier positional encoding from `prompt_encoder.pe_layer.positional_encoding_gaussian_matrix`
/// `G (2, F)`: normalised `(u, v)` ↦ `[sin(2π (2u−1, 2v−1) G), cos(2π (2u−1, 2v−1) G)]` (2F values).
struct FourierEncoding {
    let gaussian: [Float]
    let features: Int

    init(gaussianMatrix: Tensor) {
        precondition(
            gaussianMatrix.rank == 2 && gaussianMatrix.shape[0] == 2, "gaussian matrix \(gaussianMatrix.shape)")
        gaussian = gaussianMatrix.storage
        features = gaussianMatrix.shape[1]
    }

    func encode(u: Float, v: Float) -> [Float] {
        let cx = 2 * u - 1
        let cy = 2 * v - 1
        var out = [Float](repeating: 0, count: 2 * features)
        for f in 0..<features {
            let angle = 2 * Float.pi * (cx * gaussian[f] + cy * gaussian[features + f])
            out[f] = sin(angle)
            out[features + f] = cos(angle)
        }
        return out
    }

    /// `get_dense_pe()` as `[1, side², 2F]` (cell centres, row-major).
    func grid(side: Int) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(side * side * 2 * features)
        for i in 0..<side {
            for j in 0..<side { values += encode(u: (Float(j) + 0.5) / Float(side), v: (Float(i) + 0.5) / Float(side)) }
        }
        return Tensor(shape: [1, side * side, 2 * features], storage: values)
    }

    /// The positional part of a box's two corner tokens, `[2, 2F]`, for a box in the 256x256 frame
    /// (pixel centres: `+0.5`, normalised by 256); the learned corner embeddings are added separately.
    func boxCorners(x0: Float, y0: Float, x1: Float, y1: Float, inputSize: Float = 256) -> Tensor {
        let a = encode(u: (x0 + 0.5) / inputSize, v: (y0 + 0.5) / inputSize)
        let b = encode(u: (x1 + 0.5) / inputSize, v: (y1 + 0.5) / inputSize)
        return Tensor(shape: [2, 2 * features], storage: a + b)
    }
}
