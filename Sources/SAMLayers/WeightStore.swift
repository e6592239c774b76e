import SAMTensor

/// A named float tensor taken from a checkpoint: PyTorch shape and row-major values.
public struct NamedWeight: Sendable {
    public let shape: [Int]
    public let values: [Float]

    /// `values` row-major, exactly filling `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "weight values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }
}

/// Errors of strict checkpoint loading; each names the offending key.
public enum WeightLoadingError: Error, CustomStringConvertible, Equatable {
    case missingKey(String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case unexpectedKeys([String])

    public var description: String {
        switch self {
        case .missingKey(let key):
            return "checkpoint lacks the key '\(key)'"
        case .shapeMismatch(let key, let expected, let found):
            return "checkpoint key '\(key)' has shape \(found), expected \(expected)"
        case .unexpectedKeys(let keys):
            let shown = keys.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            return "checkpoint has \(keys.count) unexpected key(s): \(shown)\(keys.count > 8 ? ", …" : "")"
        }
    }
}

/// Strict, key-by-key access to a state dict: every module takes its weights by their PyTorch key
/// and expected shape; at the end `finish()` fails if any key was not taken.
///
/// Keys that PyTorch stores but the model legitimately does not use are listed in `ignoredKeySuffixes`.
public struct WeightStore: Sendable {
    /// BatchNorm's step counter: stored by PyTorch, meaningless for inference.
    public static let ignoredKeySuffixes = [".num_batches_tracked"]

    private var weights: [String: NamedWeight]
    private var taken: Set<String> = []
    /// Whether `take` hands out zeros for a key the store lacks (`placeholder()`).
    private var fillsMissingKeysWithZeros = false

    /// A store of `weights` by key, none taken yet.
    public init(_ weights: [String: NamedWeight]) {
        self.weights = weights
    }

    /// An empty store that hands out zeros of the requested shape for every key: building a layer from
    /// it gives the layer's structure (keys, shapes, `parameterDeclarations`) before any weights exist,
    /// e.g. to initialise new parameters in the declared order. Never use it to run a model.
    public static func placeholder() -> WeightStore {
        var store = WeightStore([:])
        store.fillsMissingKeysWithZeros = true
        return store
    }

    /// All keys, sorted.
    public var keys: [String] { weights.keys.sorted() }

    /// The shape stored under `key`, if any.
    public func shape(of key: String) -> [Int]? { weights[key]?.shape }

    /// Whether the store has `key`.
    public func contains(_ key: String) -> Bool { weights[key] != nil }

    /// Takes the values of `key`, checking that its shape is `shape`.
    public mutating func take(_ key: String, shape: [Int]) throws -> [Float] {
        guard let weight = weights[key] else {
            if fillsMissingKeysWithZeros { return [Float](repeating: 0, count: shape.reduce(1, *)) }
            throw WeightLoadingError.missingKey(key)
        }
        guard weight.shape == shape else {
            throw WeightLoadingError.shapeMismatch(key: key, expected: shape, found: weight.shape)
        }
        taken.insert(key)
        return weight.values
    }

    /// Replaces the values of `key` (same shape), e.g. to merge a low-rank update into a frozen
    /// weight before the model is built. The key's taken/untaken state is unchanged.
    public mutating func replaceValues(of key: String, with values: [Float]) throws {
        guard let weight = weights[key] else { throw WeightLoadingError.missingKey(key) }
        guard values.count == weight.values.count else {
            throw WeightLoadingError.shapeMismatch(key: key, expected: weight.shape, found: [values.count])
        }
        weights[key] = NamedWeight(shape: weight.shape, values: values)
    }

    /// Adds a tensor under a new key (e.g. low-rank factors from another file, to be taken with the
    /// layers they adapt).
    public mutating func insert(_ key: String, _ weight: NamedWeight) throws {
        guard weights[key] == nil else { throw WeightLoadingError.unexpectedKeys([key]) }
        weights[key] = weight
    }

    /// Fails with the list of keys nobody took (apart from the ignored ones).
    public func finish() throws {
        let unexpected = weights.keys.filter { key in
            !taken.contains(key) && !Self.ignoredKeySuffixes.contains { key.hasSuffix($0) }
        }.sorted()
        if !unexpected.isEmpty { throw WeightLoadingError.unexpectedKeys(unexpected) }
    }
}
