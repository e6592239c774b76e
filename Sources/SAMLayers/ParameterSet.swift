import SAMAutograd
import SAMTensor

/// An ordered, named collection of `Parameter`s (PyTorch-style keys, `docs/p2sam-model.md`).
///
/// A reference type: the graph, the optimiser and the model-file writer all share the same tensors.
public final class ParameterSet {
    private var storage: [String: Parameter] = [:]
    /// Keys in insertion order (the order of the model file).
    public private(set) var names: [String] = []

    /// An empty set.
    public init() {}

    /// Adds a parameter; the name must be new.
    public func add(_ name: String, _ value: Tensor, trainable: Bool = true) {
        precondition(storage[name] == nil, "duplicate parameter \(name)")
        storage[name] = Parameter(name, value: value, requiresGradient: trainable)
        names.append(name)
    }

    /// Adds an existing parameter under its own name (shared: both sets see the same value and
    /// gradient, e.g. LoRA factors used by a frozen encoder's set); the name must be new.
    public func add(_ parameter: Parameter) {
        precondition(storage[parameter.name] == nil, "duplicate parameter \(parameter.name)")
        storage[parameter.name] = parameter
        names.append(parameter.name)
    }

    /// The parameter named `name` (a programming error if absent).
    public subscript(name: String) -> Parameter {
        guard let p = storage[name] else { preconditionFailure("no parameter \(name)") }
        return p
    }

    /// Whether a parameter named `name` exists.
    public func contains(_ name: String) -> Bool { storage[name] != nil }

    /// All parameters, in insertion order.
    public var all: [Parameter] { names.map { storage[$0]! } }

    /// The parameters whose names start with one of `prefixes`.
    public func parameters(withPrefixes prefixes: [String]) -> [Parameter] {
        names.filter { n in prefixes.contains { n.hasPrefix($0) } }.map { storage[$0]! }
    }

    /// The parameters that currently require gradients.
    public var trainable: [Parameter] { all.filter(\.requiresGradient) }

    /// Freezes every parameter, then unfreezes those selected by `isTrainable`.
    public func setTrainable(_ isTrainable: (String) -> Bool) {
        for name in names { storage[name]!.requiresGradient = isTrainable(name) }
    }

    /// Copies of all values by name (a snapshot, e.g. of the best epoch).
    public func snapshot() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in names { out[name] = storage[name]!.value }
        return out
    }

    /// Restores values from `snapshot` (same names and shapes).
    public func restore(_ snapshot: [String: Tensor]) {
        for name in names { if let t = snapshot[name] { storage[name]!.value = t } }
    }

    /// Total number of scalar values.
    public var scalarCount: Int { all.reduce(0) { $0 + $1.value.count } }
}
