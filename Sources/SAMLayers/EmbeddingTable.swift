import SAMTensor

/// `nn.Embedding` used as a table of learned rows at a key prefix: `prefix.weight` `(rows, dim)`,
/// e.g. SAM's `mask_decoder.iou_token` and `mask_decoder.mask_tokens`.
public struct EmbeddingTable: Sendable, DeclaresParameters {
    /// The key prefix, e.g. `mask_decoder.mask_tokens`.
    public let key: String
    public let rows: Int
    public let dim: Int
    /// `rows x dim` values, row-major.
    public let values: [Float]

    /// Reads `key.weight` `(rows, dim)` from `store`, strictly.
    public init(_ store: inout WeightStore, _ key: String, rows: Int, dim: Int) throws {
        self.key = key
        self.rows = rows
        self.dim = dim
        values = try store.take(Self.weightKey(at: key), shape: [rows, dim])
    }

    /// `key.weight`.
    public var weightKey: String { Self.weightKey(at: key) }

    /// The weight key of a table at `key` (`key.weight`), for callers that need it before the table exists.
    public static func weightKey(at key: String) -> String { "\(key).weight" }

    public var parameterDeclarations: [ParameterDeclaration] {
        [ParameterDeclaration(key: weightKey, shape: [rows, dim])]
    }
}
