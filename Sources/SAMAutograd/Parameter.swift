import SAMTensor

/// A named tensor of a model: trainable, or frozen when `requiresGradient` is false.
///
/// Parameters are reference types so that a graph, an optimiser and a checkpoint writer all see the
/// same storage. Names are stable keys, PyTorch style (`mask_decoder.mask_tokens.weight`).
public final class Parameter {
    /// Stable key used by checkpoints and optimiser state.
    public let name: String
    /// Current value; optimisers update it in place.
    public var value: Tensor
    /// Whether `Graph.backward(from:)` computes a gradient for this parameter.
    public var requiresGradient: Bool
    /// Gradient accumulated by `Graph.backward(from:)` (same shape as `value`), nil when none yet.
    /// Successive backward passes add to it (gradient accumulation); clear it with `zeroGradient()`.
    public var gradient: Tensor?

    /// A parameter named `name` holding `value`, trainable unless `requiresGradient` is false.
    public init(_ name: String, value: Tensor, requiresGradient: Bool = true) {
        self.name = name
        self.value = value
        self.requiresGradient = requiresGradient
    }

    /// The shape of `value`.
    public var shape: [Int] { value.shape }

    /// Drops the accumulated gradient.
    public func zeroGradient() { gradient = nil }
}

extension Sequence where Element == Parameter {
    /// Drops the accumulated gradients of all parameters.
    public func zeroGradients() { forEach { $0.zeroGradient() } }

    /// Total number of scalar values.
    public var scalarCount: Int { reduce(0) { $0 + $1.value.count } }
}
