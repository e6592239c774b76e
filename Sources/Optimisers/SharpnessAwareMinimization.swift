import SAMAutograd
import SAMTensor

/// Sharpness-aware minimisation (Foret et al.), the two-pass step U-MedSAM credits with +0.6 DSC:
///
/// 1. backward at `w` gives `g`; `ascend` moves every perturbed parameter to `w + ε`, `ε = ρ g / ‖g‖`
///    (one global L2 norm over the perturbed parameters), and clears the gradients;
/// 2. backward again at `w + ε`; `restore` moves back to `w`, keeping the new gradients, and the optimiser
///    steps with them.
///
/// Parameters left out of `parameters` (e.g. learned loss weights) are not perturbed but still get the
/// second pass's gradients.
public struct SharpnessAwareMinimization: Sendable {
    /// The neighbourhood radius ρ (0.05 in the SAM paper).
    public var radius: Float

    /// Sharpness-aware minimisation with neighbourhood radius ρ = `radius`.
    public init(radius: Float = 0.05) {
        precondition(radius > 0 && radius.isFinite, "SAM radius must be positive")
        self.radius = radius
    }

    /// The perturbation applied by `ascend`, to be undone by `restore`.
    public struct Perturbation {
        let offsets: [(parameter: Parameter, epsilon: [Float])]
        /// ‖g‖ of the first pass.
        public let gradientNorm: Double
    }

    /// Adds `ε = ρ g / ‖g‖` to each parameter with a gradient and clears all their gradients. With a zero
    /// or non-finite gradient norm nothing moves (the second pass then equals the first).
    public func ascend(_ parameters: [Parameter]) -> Perturbation {
        let norm = GradientClipping.globalNorm(of: parameters)
        var offsets: [(Parameter, [Float])] = []
        if norm > 0 && norm.isFinite {
            let scale = Float(Double(radius) / norm)
            for parameter in parameters {
                guard let gradient = parameter.gradient else { continue }
                let epsilon = gradient.storage.map { $0 * scale }
                var value = parameter.value
                parameter.value = Tensor(shape: [0])
                for i in 0..<epsilon.count { value.storage[i] += epsilon[i] }
                parameter.value = value
                offsets.append((parameter, epsilon))
            }
        }
        parameters.zeroGradients()
        return Perturbation(offsets: offsets, gradientNorm: norm)
    }

    /// Moves the parameters back by the perturbation's ε (their gradients are kept).
    public func restore(_ perturbation: Perturbation) {
        for (parameter, epsilon) in perturbation.offsets {
            var value = parameter.value
            parameter.value = Tensor(shape: [0])
            for i in 0..<epsilon.count { value.storage[i] -= epsilon[i] }
            parameter.value = value
        }
    }
}
