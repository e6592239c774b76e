import SAMAutograd
import SAMTensor

/// Gradient clipping by the global L2 norm over a set of parameters (`clip_grad_norm_`).
public enum GradientClipping {
    /// The L2 norm of all present gradients together (Double accumulation).
    public static func globalNorm(of parameters: [Parameter]) -> Double {
        var squares: Double = 0
        for p in parameters {
            guard let g = p.gradient else { continue }
            for v in g.storage { squares += Double(v) * Double(v) }
        }
        return squares.squareRoot()
    }

    /// Scales every gradient by `maxNorm / (norm + 1e-6)` when the global norm exceeds `maxNorm`.
    ///
    /// - Returns: the global norm before clipping (non-finite if some gradient is).
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Double {
        let norm = globalNorm(of: parameters)
        let coefficient = Double(maxNorm) / (norm + 1e-6)
        guard norm.isFinite, coefficient < 1 else { return norm }
        let scale = Float(coefficient)
        for p in parameters {
            guard var g = p.gradient else { continue }
            p.gradient = nil
            g.storage.withUnsafeMutableBufferPointer { for i in $0.indices { $0[i] *= scale } }
            p.gradient = g
        }
        return norm
    }
}
