import SAMTensor

/// One parameter a layer reads: its PyTorch key and shape (e.g. `mask_decoder.iou_token.weight`, `[1, 256]`).
public struct ParameterDeclaration: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let shape: [Int]

    /// A parameter at PyTorch key `key` with `shape`.
    public init(key: String, shape: [Int]) {
        self.key = key
        self.shape = shape
    }

    public var description: String { "\(key) \(shape)" }
}

/// A layer (or a composition of layers) that reads its weights by key, and can say which keys and
/// shapes it reads, so a trainer can build its parameters from the same declarations.
public protocol DeclaresParameters {
    /// Every parameter the layer reads, in a fixed order.
    var parameterDeclarations: [ParameterDeclaration] { get }
}

extension Array where Element: DeclaresParameters {
    /// The declarations of every element, in order.
    public var parameterDeclarations: [ParameterDeclaration] { flatMap(\.parameterDeclarations) }
}
