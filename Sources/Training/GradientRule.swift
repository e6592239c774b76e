import Optimisers
import SAMAutograd

/// How one optimiser step's gradients are computed from forward/backward passes over its batch.
///
/// `Trainer` clears the gradients, calls `gradients(of:pass:)`, then checks them (NaN guard), clips
/// them and lets the optimiser step. A rule may call `pass` more than once; every call replays the same
/// batch with the same randomness (the same rater choices and noise) and adds its gradients to the
/// parameters'. Sharpness-aware minimisation (`SharpnessAwareGradient`) is the rule needing two passes.
public protocol GradientRule: Sendable {
    /// Leaves the gradients of one update in `parameters`' `gradient`; returns the loss the step reports.
    ///
    /// - Parameters:
    ///   - parameters: the trained parameters (their gradients are clear on entry).
    ///   - pass: one forward and backward pass over the batch; returns its mean loss.
    func gradients(of parameters: [Parameter], pass: () throws -> Double) throws -> Double
}

/// One forward/backward pass: the gradient of the batch's mean loss at the current weights.
public struct PlainGradient: GradientRule {
    /// One forward and backward pass per step.
    public init() {}

    public func gradients(of parameters: [Parameter], pass: () throws -> Double) throws -> Double { try pass() }
}
