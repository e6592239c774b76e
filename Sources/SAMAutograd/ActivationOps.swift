import Foundation
import SAMTensor

/// Numerically stable logistic function.
@inline(__always)
public func stableSigmoid(_ x: Float) -> Float {
    let e = FastMath.exp(-Swift.abs(x))
    return x >= 0 ? 1 / (1 + e) : e / (1 + e)
}

/// `g · f'(x)` element-wise from the saved `x` (or output).
@inline(__always)
func chain(_ g: Tensor, _ saved: Tensor, _ derivative: (Float, Float) -> Float) -> Tensor {
    combine(g, saved, derivative)
}

extension Variable {
    /// `max(x, 0)`; the derivative at 0 is taken as 0.
    public func relu() -> Variable {
        let x = value
        return graph.record(map(x) { Swift.max($0, 0) }, inputs: [self]) { graph, g in
            graph.accumulate(chain(g, x) { g, x in x > 0 ? g : 0 }, into: self)
        }
    }

    /// Exact GELU `x Φ(x)` (erf form, PyTorch `approximate='none'`); derivative `Φ(x) + x φ(x)`.
    public func gelu() -> Variable {
        let x = value
        return graph.record(map(x) { FastMath.gelu($0) }, inputs: [self]) { graph, g in
            graph.accumulate(
                chain(g, x) { g, x in
                    let cdf = 0.5 * (1 + FastMath.erf(x * 0.707_106_781_186_547_5))
                    let pdf = 0.398_942_280_401_432_7 * FastMath.exp(-0.5 * x * x)
                    return g * (cdf + x * pdf)
                }, into: self)
        }
    }

    /// Logistic sigmoid `1 / (1 + e^−x)`; derivative `σ (1 − σ)`.
    public func sigmoid() -> Variable {
        let y = map(value, stableSigmoid)
        return graph.record(y, inputs: [self]) { graph, g in
            graph.accumulate(chain(g, y) { g, s in g * s * (1 - s) }, into: self)
        }
    }

    /// `e^x` (inputs clamped to [−87, 88]); derivative `e^x`.
    public func exp() -> Variable {
        let y = map(value) { FastMath.exp($0) }
        return graph.record(y, inputs: [self]) { graph, g in
            graph.accumulate(chain(g, y, *), into: self)
        }
    }

    /// `log(max(x, minimum))`; derivative `1/x` where `x > minimum`, 0 where clamped.
    public func log(minimum: Float = 1e-12) -> Variable {
        let x = value
        return graph.record(map(x) { Foundation.log(Swift.max($0, minimum)) }, inputs: [self]) { graph, g in
            graph.accumulate(chain(g, x) { g, x in x > minimum ? g / x : 0 }, into: self)
        }
    }
}
