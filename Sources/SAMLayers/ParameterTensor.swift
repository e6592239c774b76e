import SAMTensor

/// One tensor read whole at its full key, with its PyTorch shape: a buffer such as SAM's
/// `prompt_encoder.pe_layer.positional_encoding_gaussian_matrix` `(2, 128)`, a bare parameter such as
/// P²SAM's `p2sam.assembling_weights` `(8)`, or a weight of a layer that has no forward here.
public struct ParameterTensor: Sendable, DeclaresParameters {
    /// The full key, e.g. `p2sam.assembling_weights`.
    public let key: String
    public let shape: [Int]
    /// The values, row-major.
    public let values: [Float]

    /// Reads `key` with shape `shape` from `store`, strictly.
    public init(_ store: inout WeightStore, _ key: String, shape: [Int]) throws {
        self.key = key
        self.shape = shape
        values = try store.take(key, shape: shape)
    }

    /// The values as a tensor of `shape`.
    public var tensor: Tensor { Tensor(shape: shape, storage: values) }

    public var parameterDeclarations: [ParameterDeclaration] { [ParameterDeclaration(key: key, shape: shape)] }
}
