import Foundation
import SAMAutograd
import SAMTensor

/// Multi-task weighting by learned uncertainty (Kendall et al.), as U-MedSAM and AutoMedSAM combine their
/// losses: each term `L_m` gets a learned `σ_m` and contributes `0.5 / σ_m² · L_m + r(σ_m)`.
public enum UncertaintyWeighting: String, Sendable, Codable, CaseIterable {
    /// The released U-MedSAM code: `r(σ) = log(1 + σ²)` (bounded below, so σ cannot run to 0).
    case code
    /// The paper's Eq. 1: `r(σ) = log σ`.
    case paper

    /// The weighted total `Σ_m 0.5 / σ_m² · L_m + r(σ_m)` of scalar `losses` with `sigmas` `[M]`
    /// (a parameter, initialised to 1); gradients flow to the losses and to σ.
    public func combine(_ losses: [Variable], sigmas: Variable) -> Variable {
        precondition(
            !losses.isEmpty && sigmas.shape == [losses.count] && losses.allSatisfy { $0.count == 1 },
            "uncertainty weighting: \(losses.count) scalar losses need sigmas of shape [\(losses.count)], got \(sigmas.shape)"
        )
        let graph = sigmas.graph
        let l = losses.map { Double($0.scalar) }
        let s = sigmas.value.storage.map(Double.init)
        var total = 0.0
        for m in 0..<l.count {
            let variance = s[m] * s[m]
            total += 0.5 / variance * l[m] + regulariser(s[m])
        }
        let form = self
        return graph.record(Tensor(shape: [], storage: [Float(total)]), inputs: losses + [sigmas]) { graph, g in
            let upstream = Double(g.storage[0])
            var dSigma = [Float](repeating: 0, count: s.count)
            for m in 0..<l.count {
                let variance = s[m] * s[m]
                graph.accumulate(
                    Tensor(shape: losses[m].shape, storage: [Float(upstream * 0.5 / variance)]), into: losses[m])
                // d/dσ (0.5 L σ⁻²) = −L σ⁻³; d/dσ log(1 + σ²) = 2σ / (1 + σ²); d/dσ log σ = 1/σ.
                let dRegulariser = form == .code ? 2 * s[m] / (1 + variance) : 1 / s[m]
                dSigma[m] = Float(upstream * (-l[m] / (variance * s[m]) + dRegulariser))
            }
            graph.accumulate(Tensor(shape: sigmas.shape, storage: dSigma), into: sigmas)
        }
    }

    /// `r(σ)`.
    func regulariser(_ sigma: Double) -> Double {
        switch self {
        case .code: return Foundation.log(1 + sigma * sigma)
        case .paper: return Foundation.log(sigma)
        }
    }

    /// The effective weight `0.5 / σ²` of a term, for reports.
    public static func weight(sigma: Float) -> Float { 0.5 / (sigma * sigma) }
}
