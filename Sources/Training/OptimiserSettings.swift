import Optimisers
import SAMAutograd

/// Adam or AdamW over the trained parameters, as one group.
public struct OptimiserSettings: Sendable, Codable, Equatable {
    public var learningRate: Float
    /// Decoupled weight decay (AdamW); 0 is plain Adam.
    public var weightDecay: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float

    /// Adam/AdamW settings (PyTorch defaults; `weightDecay` > 0 is AdamW).
    public init(
        learningRate: Float = 1e-3, weightDecay: Float = 0, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8
    ) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Plain Adam.
    public static func adam(learningRate: Float) -> OptimiserSettings { OptimiserSettings(learningRate: learningRate) }

    /// AdamW (PyTorch's default decay 1e-2).
    public static func adamW(learningRate: Float, weightDecay: Float = 1e-2) -> OptimiserSettings {
        OptimiserSettings(learningRate: learningRate, weightDecay: weightDecay)
    }

    /// The optimiser over `parameters`.
    public func makeOptimiser(_ parameters: [Parameter]) -> Adam {
        Adam(
            groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)], beta1: beta1,
            beta2: beta2, epsilon: epsilon)
    }
}
