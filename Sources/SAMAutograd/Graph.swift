import SAMTensor

/// A reverse-mode automatic-differentiation tape.
///
/// Every operation on `Variable`s appends a node holding its value and, when any input needs a
/// gradient, a backward closure that maps the node's output gradient to gradients of its inputs.
/// Nodes are appended in evaluation order, so walking them backwards is a topological order.
///
/// Build a new graph for each training step: parameters enter with `parameter(_:)`, data with
/// `constant(_:)`; after `backward(from:)` the parameters' `gradient`s hold the result. Constants and
/// frozen parameters (and everything computed only from them) get no backward work at all.
///
/// `Variable`s refer to their graph without owning it: keep the graph alive while using them.
public final class Graph {
    /// Receives the gradient of the node's output (same shape as its value) and passes input
    /// gradients to `Graph.accumulate(_:into:)`.
    public typealias Backward = (_ graph: Graph, _ outputGradient: Tensor) -> Void

    struct Node {
        var value: Tensor
        let needsGradient: Bool
        let backward: Backward?
        let parameter: Parameter?
    }

    private(set) var nodes: [Node] = []
    private var gradients: [Tensor?] = []
    private var parameterNodes: [ObjectIdentifier: Int] = [:]

    /// An empty graph.
    public init() {}

    /// Number of recorded nodes.
    public var nodeCount: Int { nodes.count }

    /// Enters a parameter; the same parameter always maps to the same node of this graph.
    public func parameter(_ parameter: Parameter) -> Variable {
        if let id = parameterNodes[ObjectIdentifier(parameter)] { return Variable(graph: self, id: id) }
        let id = append(
            Node(
                value: parameter.value, needsGradient: parameter.requiresGradient,
                backward: nil, parameter: parameter))
        parameterNodes[ObjectIdentifier(parameter)] = id
        return Variable(graph: self, id: id)
    }

    /// Enters a tensor that never receives a gradient (inputs, targets, frozen embeddings).
    public func constant(_ value: Tensor) -> Variable {
        Variable(graph: self, id: append(Node(value: value, needsGradient: false, backward: nil, parameter: nil)))
    }

    /// Records the result of an operation.
    ///
    /// `backward` is kept only if some input needs a gradient; it must not capture `Variable`s'
    /// graph strongly (capture tensors and `Variable`s, which hold the graph unowned).
    public func record(_ value: Tensor, inputs: [Variable], backward: @escaping Backward) -> Variable {
        let needs = inputs.contains { nodes[$0.id].needsGradient }
        let id = append(Node(value: value, needsGradient: needs, backward: needs ? backward : nil, parameter: nil))
        return Variable(graph: self, id: id)
    }

    private func append(_ node: Node) -> Int {
        nodes.append(node)
        gradients.append(nil)
        return nodes.count - 1
    }

    func value(_ id: Int) -> Tensor { nodes[id].value }

    /// Whether gradients flow into `variable` (it is, or depends on, a trainable parameter).
    public func needsGradient(_ variable: Variable) -> Bool { nodes[variable.id].needsGradient }

    /// Adds `gradient` to the pending gradient of `variable`; ignored when it needs none.
    /// For use inside backward closures.
    public func accumulate(_ gradient: Tensor, into variable: Variable) {
        let id = variable.id
        guard nodes[id].needsGradient else { return }
        precondition(
            gradient.shape == nodes[id].value.shape,
            "gradient shape \(gradient.shape) does not match value shape \(nodes[id].value.shape)")
        if var existing = gradients[id] {
            gradients[id] = nil
            existing.add(gradient)
            gradients[id] = existing
        } else {
            gradients[id] = gradient
        }
    }

    /// Back-propagates from a scalar (one-element) `loss`, adding the gradients of the trainable
    /// parameters to their `gradient` properties. Intermediate gradients are released as soon as
    /// they have been propagated; leaf gradients stay readable through `gradient(of:)`.
    ///
    /// - Parameters:
    ///   - loss: a one-element variable of this graph.
    ///   - seed: d(objective)/d(loss), 1 by default (e.g. 1/n for accumulation over n batches).
    public func backward(from loss: Variable, seed: Float = 1) {
        precondition(loss.graph === self, "loss belongs to another graph")
        precondition(
            nodes[loss.id].value.count == 1, "backward needs a scalar loss, got shape \(nodes[loss.id].value.shape)")
        guard nodes[loss.id].needsGradient else { return }
        accumulate(Tensor(shape: nodes[loss.id].value.shape, repeating: seed), into: loss)
        for id in stride(from: loss.id, through: 0, by: -1) {
            guard let backward = nodes[id].backward, let gradient = gradients[id] else { continue }
            gradients[id] = nil
            backward(self, gradient)
        }
        for (_, id) in parameterNodes {
            guard let gradient = gradients[id], let parameter = nodes[id].parameter else { continue }
            if var existing = parameter.gradient {
                parameter.gradient = nil
                existing.add(gradient)
                parameter.gradient = existing
            } else {
                parameter.gradient = gradient
            }
        }
    }

    /// Gradient reached by a leaf (a parameter node) in the last `backward(from:)`, or nil.
    public func gradient(of variable: Variable) -> Tensor? { gradients[variable.id] }
}

/// A handle to a node of a `Graph`: the value of an operation, a parameter or a constant.
public struct Variable {
    /// The owning graph (not retained: keep the graph alive while using its variables).
    public unowned let graph: Graph
    /// Index of the node in the graph.
    public let id: Int

    init(graph: Graph, id: Int) {
        self.graph = graph
        self.id = id
    }

    /// The node's value.
    public var value: Tensor { graph.value(id) }
    /// Shape of the value.
    public var shape: [Int] { graph.nodes[id].value.shape }
    /// Number of elements of the value.
    public var count: Int { graph.nodes[id].value.count }
    /// The value of a one-element variable.
    public var scalar: Float {
        precondition(count == 1, "scalar of a variable with shape \(shape)")
        return graph.nodes[id].value.storage[0]
    }
    /// Whether gradients flow into this variable.
    public var needsGradient: Bool { graph.nodes[id].needsGradient }
}
