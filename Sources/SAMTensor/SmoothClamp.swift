import Foundation

/// A smooth bound of a value to `[lower, upper]` whose derivative never vanishes: the soft clip
/// `u = upper − softplus(upper − x)`, `y = lower + softplus(u − lower)` (softplus(t) = log(1 + eᵗ)).
///
/// Inside the interval, away from its ends, `y ≈ x` (at 5 units from both ends the difference is below 0.007);
/// outside, `y` approaches the bound and `dy/dx = σ(upper − x) · σ(u − lower)` (σ the logistic function)
/// decays exponentially but stays positive (unlike a hard clamp, whose derivative is 0 there, so a value
/// pushed past the bound never gets a gradient back). Computed in Double, rounded once to Float.
public enum SmoothClamp {
    /// `log(1 + eᵗ)` without overflow.
    static func softplus(_ t: Double) -> Double {
        t > 0 ? t + Foundation.log1p(Foundation.exp(-t)) : Foundation.log1p(Foundation.exp(t))
    }

    /// `1 / (1 + e⁻ᵗ)` without overflow.
    static func logistic(_ t: Double) -> Double {
        t >= 0 ? 1 / (1 + Foundation.exp(-t)) : Foundation.exp(t) / (1 + Foundation.exp(t))
    }

    /// The bounded value `y(x)`, in the open interval `(lower, upper)` for finite `x`.
    ///
    /// - Parameters:
    ///   - x: the value to bound.
    ///   - lower: the lower bound (below `upper`).
    ///   - upper: the upper bound.
    public static func value(_ x: Float, lower: Float, upper: Float) -> Float {
        let (x, lo, hi) = (Double(x), Double(lower), Double(upper))
        let u = hi - softplus(hi - x)
        return Float(lo + softplus(u - lo))
    }

    /// The derivative `dy/dx = σ(upper − x) · σ(u − lower)`, in `(0, 1]` (positive wherever it is representable).
    ///
    /// - Parameters:
    ///   - x: the value at which to differentiate.
    ///   - lower: the lower bound (below `upper`).
    ///   - upper: the upper bound.
    public static func derivative(_ x: Float, lower: Float, upper: Float) -> Float {
        let (x, lo, hi) = (Double(x), Double(lower), Double(upper))
        let u = hi - softplus(hi - x)
        return Float(logistic(hi - x) * logistic(u - lo))
    }
}
