/// A restricted pickle interpreter: it decodes a pickle stream into a `PickleValue` tree and never
/// imports or calls anything.
///
/// Globals (GLOBAL / STACK_GLOBAL) must appear in `allowedGlobals`, otherwise reading stops at once.
/// Every length is checked against the remaining input before anything is allocated, and
/// `PickleLimits` caps the stack, marks, memo, object count and nesting depth.
///
/// Two calls are resolved while reading, because their results are mutated afterwards:
/// `collections.OrderedDict()` (REDUCE/NEWOBJ with no arguments) becomes an empty `.dict`, and
/// `_codecs.encode(text, 'latin1')` (protocol 2's encoding of `bytes`) becomes `.bytes`. Both still
/// have to be in the whitelist.
public struct PickleReader: Sendable {
    /// The globals the stream may reference.
    public var allowedGlobals: Set<PickleGlobal>
    /// Resource caps.
    public var limits: PickleLimits

    /// A reader that accepts only `allowedGlobals`, within `limits`.
    public init(allowedGlobals: Set<PickleGlobal>, limits: PickleLimits = PickleLimits()) {
        self.allowedGlobals = allowedGlobals
        self.limits = limits
    }

    /// Decodes the pickle in `data`; `source` names it in error messages.
    public func read(_ data: UnsafeRawBufferPointer, source: String) throws -> PickleValue {
        var machine = PickleMachine(data: data, source: source, allowed: allowedGlobals, limits: limits)
        defer { machine.dismantle() }
        let root = try machine.run()
        var converter = PickleConverter(source: source, limits: limits)
        return try converter.convert(root, depth: 0)
    }

    /// Decodes the pickle in `bytes`.
    public func read(_ bytes: [UInt8], source: String) throws -> PickleValue {
        try bytes.withUnsafeBytes { try read($0, source: source) }
    }
}

/// A mutable object while the stream is interpreted (lists, dicts and BUILD targets are mutated
/// after being memoized, so references must be shared).
final class PickleNode {
    enum Content {
        case leaf(PickleValue)
        case list([PickleNode])
        case tuple([PickleNode])
        case dict([(PickleNode, PickleNode)])
        case set([PickleNode])
        case call(PickleNode, PickleNode)
        case build(PickleNode, PickleNode)
        case persistentID(PickleNode)
    }

    var content: Content

    init(_ content: Content) {
        self.content = content
    }
}

/// Converts the node graph to a value tree, refusing cycles, excessive depth and blow-up.
struct PickleConverter {
    let source: String
    let limits: PickleLimits
    private var produced = 0
    private var inProgress = Set<ObjectIdentifier>()

    init(source: String, limits: PickleLimits) {
        self.source = source
        self.limits = limits
    }

    mutating func convert(_ node: PickleNode, depth: Int) throws -> PickleValue {
        guard depth <= limits.maxNestingDepth else {
            throw PickleError.structure(
                source: source, reason: "pickle nesting exceeds the depth limit of \(limits.maxNestingDepth)")
        }
        produced += 1
        guard produced <= limits.maxObjects else {
            throw PickleError.structure(
                source: source, reason: "pickle expands to more than \(limits.maxObjects) values")
        }
        if case .leaf(let value) = node.content { return value }
        let id = ObjectIdentifier(node)
        guard inProgress.insert(id).inserted else {
            throw PickleError.structure(
                source: source, reason: "pickle contains a recursive (self-referencing) structure")
        }
        defer { inProgress.remove(id) }
        switch node.content {
        case .leaf: fatalError("unreachable")
        case .list(let items): return .list(try items.map { try convert($0, depth: depth + 1) })
        case .tuple(let items): return .tuple(try items.map { try convert($0, depth: depth + 1) })
        case .set(let items): return .set(try items.map { try convert($0, depth: depth + 1) })
        case .dict(let pairs):
            return .dict(
                try pairs.map {
                    PicklePair(key: try convert($0.0, depth: depth + 1), value: try convert($0.1, depth: depth + 1))
                })
        case .call(let f, let args):
            return .call(try convert(f, depth: depth + 1), args: try convert(args, depth: depth + 1))
        case .build(let object, let state):
            return .build(try convert(object, depth: depth + 1), state: try convert(state, depth: depth + 1))
        case .persistentID(let value): return .persistentID(try convert(value, depth: depth + 1))
        }
    }
}
