import Optimisers
import SAMAutograd

/// Sharpness-aware minimisation as a gradient rule: a first pass at `w` gives `g`; the perturbed
/// parameters move to `w + ρ g / ‖g‖`; a second pass there gives the gradient the optimiser uses, and
/// the parameters move back to `w` (`SharpnessAwareMinimization`).
///
/// The step reports the first pass's loss (the loss at `w`).
public struct SharpnessAwareGradient: GradientRule {
    public var minimization: SharpnessAwareMinimization
    /// Which trained parameters are perturbed (nil: all); the others, e.g. learned loss weights, still
    /// get the second pass's gradients.
    public var perturbed: TrainableSelection?

    /// Sharpness-aware steps with radius ρ = `radius`; `perturbed` selects the parameters the ascent step moves (loss
    /// weights stay put).
    public init(radius: Float = 0.05, perturbed: TrainableSelection? = nil) {
        minimization = SharpnessAwareMinimization(radius: radius)
        self.perturbed = perturbed
    }

    public func gradients(of parameters: [Parameter], pass: () throws -> Double) throws -> Double {
        let loss = try pass()
        let moved = perturbed.map { selection in parameters.filter { selection.contains($0.name) } } ?? parameters
        let perturbation = minimization.ascend(moved)
        parameters.zeroGradients()
        _ = try pass()
        minimization.restore(perturbation)
        return loss
    }
}
