/// A module-qualified Python global such as `collections.OrderedDict`.
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
    public var module: String
    public var name: String

    /// The global `module.name`, e.g. `PickleGlobal("collections", "OrderedDict")`.
    public init(_ module: String, _ name: String) {
        self.module = module
        self.name = name
    }

    public var description: String { "\(module).\(name)" }
}

/// One key/value pair of an unpickled dict, in insertion order.
public struct PicklePair: Sendable, Equatable {
    public var key: PickleValue
    public var value: PickleValue

    /// A pair of an unpickled key and its value.
    public init(key: PickleValue, value: PickleValue) {
        self.key = key
        self.value = value
    }
}

/// The value tree produced by `PickleReader`. Nothing is ever executed: calls and builds are recorded.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dict (or `collections.OrderedDict`) as ordered pairs; duplicate keys are kept in order.
    case dict([PicklePair])
    /// A set or frozenset, in pickle order.
    case set([PickleValue])
    /// A reference to a whitelisted global (GLOBAL / STACK_GLOBAL).
    case global(PickleGlobal)
    /// `callable(*args)` recorded by REDUCE or NEWOBJ.
    case call(PickleValue, args: PickleValue)
    /// `object.__setstate__(state)` recorded by BUILD.
    case build(PickleValue, state: PickleValue)
    /// A persistent id (PERSID / BINPERSID), resolved by the caller.
    case persistentID(PickleValue)
    /// A resolved NumPy array (produced by `NumpyPickle`, never by `PickleReader` itself).
    case array(NumpyArray)

    /// The value for string key `key` of a dict (the last one if repeated).
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let pairs) = self else { return nil }
        return pairs.last { $0.key == .string(key) }?.value
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer payload (bools count as 0/1), if this is an int or bool.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The items of a tuple or list.
    public var items: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }

    /// The pairs of a dict.
    public var pairs: [PicklePair]? {
        if case .dict(let pairs) = self { return pairs }
        return nil
    }

    /// The resolved array, if this is one.
    public var arrayValue: NumpyArray? {
        if case .array(let a) = self { return a }
        return nil
    }
}
