/// A fully connected layer `y = x Wᵀ + b`, PyTorch `nn.Linear` semantics.
///
/// Also used for 1x1 convolutions on NHWC activations (a Conv2d weight `(out, in, 1, 1)` has the
/// same memory as a Linear weight `(out, in)`).
public struct Linear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `(outFeatures, inFeatures)`, row-major, as in the checkpoint.
    public let weight: [Float]
    /// `outFeatures` values, or nil for a bias-free layer.
    public let bias: [Float]?

    /// `weight` `(outFeatures, inFeatures)` row-major; `bias` `outFeatures` values or nil.
    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(
            weight.count == inFeatures * outFeatures,
            "Linear weight has \(weight.count) values, want \(outFeatures)x\(inFeatures)")
        precondition(
            bias == nil || bias!.count == outFeatures, "Linear bias has \(bias!.count) values, want \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias
    }

    /// Applies the layer to `rows` input rows of `inFeatures` values, writing `rows x outFeatures`.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            GEMM.multiply(
                transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                a: input, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                c: output, ldc: outFeatures)
        }
        if let bias {
            bias.withUnsafeBufferPointer { Elementwise.addRowBias($0, to: output, rows: rows) }
        }
    }

    /// Applies the layer over the last dimension of `input` (which must be `inFeatures`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == inFeatures, "Linear expects last dimension \(inFeatures), got \(input.shape)")
        let rows = input.count / inFeatures
        var shape = input.shape
        shape[shape.count - 1] = outFeatures
        return Tensor(shape: shape) { out in
            input.storage.withUnsafeBufferPointer { apply($0.baseAddress!, rows: rows, output: out.baseAddress!) }
        }
    }

    /// Output of the layer for a single input vector (used for constant rows, e.g. padding tokens).
    public func apply(to vector: [Float]) -> [Float] {
        precondition(vector.count == inFeatures)
        var out = [Float](repeating: 0, count: outFeatures)
        for o in 0..<outFeatures {
            var sum: Float = bias?[o] ?? 0
            for i in 0..<inFeatures { sum += weight[o * inFeatures + i] * vector[i] }
            out[o] = sum
        }
        return out
    }
}

/// LayerNorm parameters over the last dimension (`nn.LayerNorm`, and SAM's `LayerNorm2d` on NHWC).
public struct LayerNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let eps: Float

    /// `weight` (scale) and `bias` (shift) of `dim` values each; `eps` is added to the variance.
    public init(weight: [Float], bias: [Float], eps: Float) {
        precondition(weight.count == bias.count)
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    public var dim: Int { weight.count }

    /// Normalises `rows` rows of `dim` values; `input` and `output` may alias.
    public func apply(_ input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Normalization.layerNorm(input, rows: rows, dim: dim, weight: w, bias: b, eps: eps, output: output)
            }
        }
    }

    /// Normalises over the last dimension of `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == dim, "LayerNorm expects last dimension \(dim), got \(input.shape)")
        return Tensor(shape: input.shape) { out in
            input.storage.withUnsafeBufferPointer {
                apply($0.baseAddress!, rows: input.count / dim, output: out.baseAddress!)
            }
        }
    }

    /// Normalises `input` in place.
    public func applyInPlace(_ tensor: inout Tensor) {
        let rows = tensor.count / dim
        tensor.storage.withUnsafeMutableBufferPointer {
            apply(UnsafePointer($0.baseAddress!), rows: rows, output: $0.baseAddress!)
        }
    }
}
