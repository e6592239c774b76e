import Foundation
import SAMAutograd
import SAMTensor

/// Adam (`torch.optim.Adam`, non-amsgrad, bias-corrected) whose moments can be saved and restored, so a
/// training run can resume exactly. Parameters without a gradient or frozen ones are skipped.
public final class ResumableAdam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let parameters: [Parameter]
    /// Steps taken (shared by all parameters: every trainable parameter is updated every step).
    public private(set) var step = 0
    private var m: [String: [Float]] = [:]
    private var v: [String: [Float]] = [:]

    public init(_ parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One update of every trainable parameter with a gradient.
    public func update() {
        step += 1
        let t = Double(step)
        let correction1 = Float(1 - Foundation.pow(Double(beta1), t))
        let correction2Root = Float((1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let stepSize = learningRate / correction1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for p in parameters where p.requiresGradient {
            guard let g = p.gradient else { continue }
            let n = p.value.count
            var mi = m[p.name] ?? [Float](repeating: 0, count: n)
            var vi = v[p.name] ?? [Float](repeating: 0, count: n)
            m[p.name] = nil; v[p.name] = nil
            var value = p.value
            p.value = Tensor(shape: [0])
            value.storage.withUnsafeMutableBufferPointer { pb in
                g.storage.withUnsafeBufferPointer { gb in
                    mi.withUnsafeMutableBufferPointer { mb in
                        vi.withUnsafeMutableBufferPointer { vb in
                            for i in 0..<n {
                                let gi = gb[i]
                                mb[i] = b1 * mb[i] + (1 - b1) * gi
                                vb[i] = b2 * vb[i] + (1 - b2) * gi * gi
                                pb[i] -= stepSize * mb[i] / (vb[i].squareRoot() / correction2Root + eps)
                            }
                        }
                    }
                }
            }
            p.value = value
            m[p.name] = mi; v[p.name] = vi
        }
    }

    /// Clears all gradients.
    public func zeroGradients() { parameters.zeroGradients() }

    /// The moments as named tensors (`adam.m/<name>`, `adam.v/<name>`).
    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for p in parameters {
            if let mi = m[p.name] { out.append(("adam.m/\(p.name)", Tensor(shape: p.value.shape, storage: mi))) }
            if let vi = v[p.name] { out.append(("adam.v/\(p.name)", Tensor(shape: p.value.shape, storage: vi))) }
        }
        return out
    }

    /// Restores moments and the step count saved by `stateTensors()`.
    public func restore(step: Int, tensors: [String: Tensor]) {
        self.step = step
        for p in parameters {
            m[p.name] = tensors["adam.m/\(p.name)"]?.storage
            v[p.name] = tensors["adam.v/\(p.name)"]?.storage
        }
    }
}
