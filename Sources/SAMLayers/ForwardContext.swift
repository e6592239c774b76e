import SAMTensor

/// How a forward pass runs, chosen per call: the decoder's layers are written once against this
/// protocol and run tape-free on tensors (`TapeFree`, inference) or recording a gradient tape
/// (P²SAM training's `Recording`, on autograd variables).
///
/// Shapes are stated per method; "batch-1 broadcast" means either operand may have leading
/// dimension 1 where the other has B. In-place methods let the tape-free path reuse buffers.
public protocol ForwardContext {
    associatedtype Value

    /// The shape of `x`.
    func shape(of x: Value) -> [Int]

    /// `x Wᵀ + b` over the last dimension: `[…, in]` → `[…, out]`.
    func linear(_ x: Value, _ layer: LinearLayer) -> Value

    /// Layer normalisation of `x` over its last dimension, in place.
    func normalize(_ x: inout Value, _ layer: LayerNormLayer)

    /// `max(x, 0)`, in place.
    func applyReLU(_ x: inout Value)

    /// GELU (erf form), in place.
    func applyGELU(_ x: inout Value)

    /// `x += y`, in place, for equal shapes or `y` with leading dimension 1 where `x` has B
    /// (`[1, N, C]` added to each of `[B, N, C]`).
    func add(_ x: inout Value, _ y: Value)

    /// `x + y` with batch-1 broadcast (`[1, N, C]` with `[B, N, C]`, `[1, 1, C]` with `[B, N, C]`, or
    /// `[1, N, C]` with `[B, 1, C]`, giving `[B, N, C]`).
    func sum(_ x: Value, _ y: Value) -> Value

    /// SAM's decoder attention: projections, per-head scaled softmax attention, output projection.
    /// `query` `[Bq, Nq, dim]`, `key` and `value` `[Bk, Nk, dim]`, `Bq` and `Bk` equal or one of them 1;
    /// returns `[max(Bq, Bk), Nq, dim]`.
    func attention(query: Value, key: Value, value: Value, _ layer: AttentionLayer) -> Value

    /// Kernel-2 stride-2 transposed convolution on NHWC: `[B, H, W, in]` → `[B, 2H, 2W, out]`
    /// (also `[H, W, in]` → `[2H, 2W, out]`).
    func transposedConvolution(_ x: Value, _ layer: TransposedConvolutionLayer) -> Value

    /// The table's rows `[rows, dim]`.
    func rows(of table: EmbeddingTable) -> Value

    /// `parts` joined along `axis` (all other dimensions equal).
    func concatenate(_ parts: [Value], alongAxis axis: Int) -> Value

    /// Elements `range` of `axis`.
    func slice(_ x: Value, alongAxis axis: Int, _ range: Range<Int>) -> Value

    /// The same elements with another shape.
    func reshape(_ x: Value, _ shape: [Int]) -> Value

    /// Batched `a bᵀ`: `[B, M, K]` and `[B, N, K]` → `[B, M, N]`.
    func multiplyTransposed(_ a: Value, _ b: Value) -> Value

    /// `body` over the batch of `inputs` (all with the same leading dimension B), joined along axis 0.
    /// The tape-free context runs it on one batch element at a time (inputs sliced to leading dimension 1),
    /// so a large per-element intermediate (the decoder's upscaled features, 8 MB per prompt) never exists
    /// for the whole batch; the recording context runs it once on the whole batch.
    func batchwise(_ inputs: [Value], _ body: ([Value]) -> Value) -> Value

    // MARK: prompt encoder and P²SAM

    /// `x` as a value of this context: a constant, no gradient flows into it (e.g. positional encodings).
    func constant(_ x: Tensor) -> Value

    /// The parameter's values with its declared shape.
    func value(of parameter: ParameterTensor) -> Value

    /// 3x3 convolution, stride 1, zero padding 1, on NHWC: `[H, W, in]` → `[H, W, out]`.
    func convolution3x3(_ x: Value, _ layer: Convolution3x3Layer) -> Value

    /// 2x2 average pooling with stride 2: `[H, W, C]` → `[H/2, W/2, C]` (H, W even).
    func averagePool2x2(_ x: Value) -> Value

    /// The mean over all positions: `[H, W, C]` → `[C]`.
    func spatialMean(_ x: Value) -> Value

    /// Clamps every element of `x` to `range`, in place.
    func clamp(_ x: inout Value, to range: ClosedRange<Float>)

    /// Bounds every element of `x` smoothly to `range` (`SmoothClamp`: near the identity inside, a gradient that
    /// never vanishes outside), in place.
    func softClamp(_ x: inout Value, to range: ClosedRange<Float>)

    /// `eˣ` element-wise, in place.
    func applyExponential(_ x: inout Value)

    /// `Σₖ wₖ · x[b, k, :]`: `x` `[B, K, W]` and `weights` `[K]` → `[B, 1, W]`.
    func weightedSum(_ x: Value, weights: Value) -> Value

    // MARK: AutoMedSAM's class prompt encoder

    /// The logistic sigmoid `1 / (1 + e⁻ˣ)` element-wise, in place.
    func applySigmoid(_ x: inout Value)

    /// The element-wise product `x ⊙ y` for equal shapes, or `y` broadcast over `x` when `y`'s shape is a
    /// trailing part of `x`'s (a per-channel vector `[C]` scaling a map `[H, W, C]`).
    func product(_ x: Value, _ y: Value) -> Value

    // MARK: image encoder

    /// Layer normalisation of `x` over its last dimension into a new value (`x` is kept).
    func normalized(_ x: Value, _ layer: LayerNormLayer) -> Value

    /// A linear layer with (optional) LoRA updates: `x W'ᵀ + b` over the last dimension, `[…, in]` → `[…, out]`.
    func linear(_ x: Value, _ layer: LoRALinearLayer) -> Value

    /// A bias-free 1x1 convolution on NHWC: `[…, in]` → `[…, out]`.
    func pointwiseConvolution(_ x: Value, _ layer: PointwiseConvolutionLayer) -> Value

    /// A 1x1 convolution with BatchNorm (inference statistics) on NHWC: `[…, in]` → `[…, out]`.
    func pointwiseConvolution(_ x: Value, _ layer: PointwiseConvolutionBatchNormLayer) -> Value

    /// A depthwise 3x3 convolution with BatchNorm, padding 1: `[H, W, C]` → `[H', W', C]`,
    /// `H' = (H − 1) / stride + 1`.
    func depthwiseConvolution(_ x: Value, _ layer: DepthwiseConvolutionBatchNormLayer) -> Value

    /// TinyViT's inverted-residual block (MBConv) on `[H, W, C]`: `expand` (1x1, C → hidden) and GELU,
    /// `depthwise` (3x3, stride 1) and GELU, `project` (1x1, hidden → C), the residual `input` added, then
    /// GELU; returns `[H, W, C]`. A default runs the six operations in turn; the tape-free context computes
    /// it in bands of rows so the `[H, W, hidden]` intermediates are never whole.
    func invertedResidual(
        _ input: Value, expand: PointwiseConvolutionBatchNormLayer, depthwise: DepthwiseConvolutionBatchNormLayer,
        project: PointwiseConvolutionBatchNormLayer
    ) -> Value

    /// TinyViT's windowed multi-head attention before `proj`, from the q/k/v rows of the unpadded map
    /// (`qkv(norm(x))`, `[H, W, 3·dim]`) to `[H, W, dim]` (heads concatenated): windows of
    /// `layer.windowSize`, bottom/right padding tokens with q/k/v row `qkv(norm.bias)`, per-head scaled
    /// scores plus the gathered `attention_biases`, softmax, values (`WindowAttentionLayer`).
    func windowAttention(_ projected: Value, _ layer: WindowAttentionLayer) -> Value

    // MARK: fused forms (defaults: the unfused operations; `TapeFree` runs one pass)

    /// `GELU?((x Wᵀ + b) + residual)` over the last dimension: `[…, in]` → `[…, out]`; `residual` (if
    /// given) has the output's shape.
    func linear(_ x: Value, _ layer: LinearLayer, adding residual: Value?, gelu: Bool) -> Value

    /// `GELU?(conv1x1_BN(x) + residual)` on NHWC: `[…, in]` → `[…, out]`; `residual` (if given) has the
    /// output's shape.
    func pointwiseConvolution(
        _ x: Value, _ layer: PointwiseConvolutionBatchNormLayer, adding residual: Value?, gelu: Bool
    ) -> Value

    /// `GELU(depthwise3x3_BN(x))`: `[H, W, C]` → `[H', W', C]`.
    func depthwiseConvolutionGELU(_ x: Value, _ layer: DepthwiseConvolutionBatchNormLayer) -> Value
}

extension ForwardContext {
    /// The unfused sequence: linear, then `add`, then `applyGELU`.
    public func linear(_ x: Value, _ layer: LinearLayer, adding residual: Value?, gelu: Bool) -> Value {
        var y = linear(x, layer)
        if let residual { add(&y, residual) }
        if gelu { applyGELU(&y) }
        return y
    }

    /// The unfused sequence: convolution, then `add`, then `applyGELU`.
    public func pointwiseConvolution(
        _ x: Value, _ layer: PointwiseConvolutionBatchNormLayer, adding residual: Value?, gelu: Bool
    ) -> Value {
        var y = pointwiseConvolution(x, layer)
        if let residual { add(&y, residual) }
        if gelu { applyGELU(&y) }
        return y
    }

    /// The unfused sequence: convolution, then `applyGELU`.
    public func depthwiseConvolutionGELU(_ x: Value, _ layer: DepthwiseConvolutionBatchNormLayer) -> Value {
        var y = depthwiseConvolution(x, layer)
        applyGELU(&y)
        return y
    }
}

extension ForwardContext {
    /// The inverted-residual block as six operations in turn (the `Recording` context keeps each on its tape).
    public func invertedResidual(
        _ input: Value, expand: PointwiseConvolutionBatchNormLayer, depthwise: DepthwiseConvolutionBatchNormLayer,
        project: PointwiseConvolutionBatchNormLayer
    ) -> Value {
        var x = pointwiseConvolution(input, expand)
        applyGELU(&x)
        x = depthwiseConvolution(x, depthwise)
        applyGELU(&x)
        x = pointwiseConvolution(x, project)
        add(&x, input)
        applyGELU(&x)
        return x
    }
}
