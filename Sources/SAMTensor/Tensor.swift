/// A dense float32 tensor stored contiguously in row-major (C) order.
///
/// Layout conventions used across the package:
/// - image-like activations inside the encoder are NHWC (`[B, H, W, C]`, channels fastest), which is
///   the same memory as PyTorch's token layout `(B, H*W, C)`;
/// - tensors exchanged with PyTorch references (image embedding, mask logits) are NCHW.
///
/// `Tensor` is a value type: copies share storage until one of them is mutated (copy-on-write).
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `storage.count == shape.reduce(1, *)`.
    public var storage: [Float]

    /// Wraps existing values; `values.count` must equal the product of `shape`.
    public init(shape: [Int], storage values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.shape = shape
        self.storage = values
    }

    /// A tensor filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, storage: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor whose elements are written by `initializer` before anything reads them.
    ///
    /// Avoids zero-filling large buffers that are about to be overwritten.
    public init(shape: [Int], initializingWith initializer: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
        self.init(shape: shape, storage: values)
    }

    /// Number of elements.
    public var count: Int { storage.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    /// Changes the shape in place; the element count must not change.
    public mutating func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) == storage.count, "cannot reshape \(shape) to \(newShape)")
        shape = newShape
    }

    /// Largest absolute element-wise difference to `other` (shapes must match).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shape \(shape) vs \(other.shape)")
        var worst: Float = 0
        for i in 0..<storage.count {
            let d = abs(storage[i] - other.storage[i])
            if d > worst || d.isNaN { worst = d.isNaN ? .nan : d }
        }
        return worst
    }
}
