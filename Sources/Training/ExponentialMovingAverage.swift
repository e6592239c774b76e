import SAMAutograd
import SAMLayers
import SAMTensor

/// An exponential moving average of the trained parameters (Polyak averaging with decay d).
///
/// Starts at the parameters' values when created (no bias correction); after every optimiser step
/// `update()` sets, element-wise, `average ← d · average + (1 − d) · θ`. After n steps from θ₀ the
/// average is `dⁿ θ₀ + (1 − d) Σₖ d^(n−k) θₖ`. `Trainer` validates and saves with the averaged values
/// when `TrainerConfiguration.averageDecay` is set (`swapIn` / `swapOut`), and trains on the raw ones.
public final class ExponentialMovingAverage {
    /// The decay d in (0, 1): the weight of the old average per step.
    public let decay: Float
    /// The averaged parameters, in set order.
    public let parameters: [Parameter]
    /// The averaged values, by parameter name (same shapes as the parameters).
    public private(set) var values: [String: Tensor]
    /// The raw values while the average is swapped in, else nil.
    var held: [String: Tensor]?

    /// An average of `parameters` with decay `decay`, starting at their current values.
    ///
    /// - Parameters:
    ///   - parameters: the parameters to average (the trainer passes its trained ones).
    ///   - decay: d in (0, 1).
    /// - Throws: `TrainingError.invalidConfiguration` for d outside (0, 1).
    public init(_ parameters: [Parameter], decay: Float) throws {
        guard decay > 0 && decay < 1 else {
            throw TrainingError.invalidConfiguration("the moving-average decay must lie in (0, 1), got \(decay)")
        }
        self.decay = decay
        self.parameters = parameters
        values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
    }

    /// Folds the parameters' current values into the average: `average ← d · average + (1 − d) · θ`.
    public func update() {
        precondition(held == nil, "update() while the average is swapped in")
        let d = decay
        let e = 1 - decay
        for p in parameters {
            var a = values[p.name]!
            let v = p.value
            a.storage.withUnsafeMutableBufferPointer { out in
                v.storage.withUnsafeBufferPointer { x in
                    for i in out.indices { out[i] = d * out[i] + e * x[i] }
                }
            }
            values[p.name] = a
        }
    }

    /// Puts the averaged values into the parameters, keeping the raw ones for `swapOut()`.
    public func swapIn() {
        precondition(held == nil, "the average is already swapped in")
        held = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
        for p in parameters { p.value = values[p.name]! }
    }

    /// Puts the raw values back (after `swapIn()`).
    public func swapOut() {
        guard let held else { preconditionFailure("swapOut() without swapIn()") }
        for p in parameters { p.value = held[p.name]! }
        self.held = nil
    }

    /// Replaces the averaged values (a resume); every averaged parameter must be given with its shape.
    ///
    /// - Parameter restored: the values by parameter name.
    /// - Throws: `TrainingError.invalidResumeState` naming a missing or mis-shaped value.
    public func restore(_ restored: [String: Tensor]) throws {
        for p in parameters {
            guard let t = restored[p.name], t.shape == p.value.shape else {
                throw TrainingError.invalidResumeState("the resume file lacks or mis-shapes the average of \(p.name)")
            }
        }
        for p in parameters { values[p.name] = restored[p.name] }
    }
}
