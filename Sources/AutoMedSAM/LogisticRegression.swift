import Foundation
import SAMTensor

/// Binary logistic regression `p(y = 1 | x) = σ(w·x + b)` with an L2 penalty, fitted by Newton's method
/// (iteratively reweighted least squares). Meant for a few features and up to a few thousand rows, as
/// `ClassPresenceModel` uses it; the features should be standardised by the caller.
public struct LogisticRegression: Sendable, Equatable, Codable {
    /// One weight per feature.
    public var weights: [Double]
    /// The intercept.
    public var bias: Double

    /// A model from its coefficients.
    ///
    /// - Parameters:
    ///   - weights: one weight per feature.
    ///   - bias: the intercept.
    public init(weights: [Double], bias: Double) {
        self.weights = weights
        self.bias = bias
    }

    /// `σ(w·x + b)`, in `[0, 1]`.
    ///
    /// - Parameter features: one value per weight.
    public func probability(_ features: [Double]) -> Double {
        precondition(features.count == weights.count, "\(features.count) features for \(weights.count) weights")
        var z = bias
        for (w, x) in zip(weights, features) { z += w * x }
        return 1 / (1 + exp(-z))
    }

    /// The model minimising `Σ_i −log p(y_i | x_i) + ½ λ ‖w‖² + ½ λ_b b²`.
    ///
    /// The small intercept penalty keeps the fit finite when every label is the same; the weight penalty
    /// keeps it finite when the classes are separable.
    ///
    /// - Parameters:
    ///   - features: one row per example, every row the same length (may be empty: an intercept-only model).
    ///   - labels: one label per row.
    ///   - penalty: λ on the weights (> 0).
    ///   - interceptPenalty: λ_b on the intercept (> 0).
    ///   - iterations: the most Newton steps (stops earlier when a step moves no coefficient by more than 1e-10).
    /// - Returns: the fitted model (all zero for no rows).
    public static func fitted(
        features: [[Double]], labels: [Bool], penalty: Double = 1, interceptPenalty: Double = 1e-2,
        iterations: Int = 50
    ) -> LogisticRegression {
        precondition(features.count == labels.count, "one label per row")
        precondition(penalty > 0 && interceptPenalty > 0, "penalties must be positive")
        let d = features.first?.count ?? 0
        precondition(features.allSatisfy { $0.count == d }, "rows of different lengths")
        var beta = [Double](repeating: 0, count: d + 1)  // weights, then the intercept
        let lambdas = [Double](repeating: penalty, count: d) + [interceptPenalty]
        for _ in 0..<iterations {
            var gradient = zip(lambdas, beta).map { $0 * $1 }
            var hessian = (0...d).map { i in (0...d).map { j in i == j ? lambdas[i] : 0 } }
            for (row, label) in zip(features, labels) {
                let x = row + [1]
                var z = 0.0
                for j in 0...d { z += beta[j] * x[j] }
                let p = 1 / (1 + exp(-z))
                let residual = p - (label ? 1 : 0)
                let weight = max(p * (1 - p), 1e-12)
                for i in 0...d {
                    gradient[i] += residual * x[i]
                    for j in 0...d { hessian[i][j] += weight * x[i] * x[j] }
                }
            }
            guard let step = SmallLinearSystem.solve(hessian, gradient) else { break }
            var largest = 0.0
            for j in 0...d {
                beta[j] -= step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-10 { break }
        }
        return LogisticRegression(weights: Array(beta[0..<d]), bias: beta[d])
    }
}
