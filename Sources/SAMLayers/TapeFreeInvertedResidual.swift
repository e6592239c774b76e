import SAMTensor

extension TapeFree {
    /// Output rows computed together by `invertedResidual(_:expand:depthwise:project:)`.
    public static let invertedResidualBandRows = 32

    /// The inverted-residual block in bands of `invertedResidualBandRows` output rows: each band expands
    /// its rows plus one halo row above and below, so only two `[band + 2, W, hidden]` buffers exist at a
    /// time instead of two whole `[H, W, hidden]` maps (at TinyViT's first stage, 256x256x256: 67 MB
    /// each). Every output value is computed by the same operations in the same order as the unbanded
    /// sequence (the depthwise taps of a band's rows all lie inside the band and its halo), so the result
    /// equals it; it is bit-identical whenever SGEMM rounds a band's rows as it rounds the whole map (as
    /// OpenBLAS does for TinyViT's 8,704-row bands; for a few rows it may choose a small-matrix kernel).
    public func invertedResidual(
        _ input: Tensor, expand: PointwiseConvolutionBatchNormLayer, depthwise: DepthwiseConvolutionBatchNormLayer,
        project: PointwiseConvolutionBatchNormLayer
    ) -> Tensor {
        precondition(
            input.rank == 3 && input.shape[2] == expand.inChannels && depthwise.channels == expand.outChannels
                && project.inChannels == expand.outChannels && project.outChannels == expand.inChannels
                && depthwise.stride == 1,
            "inverted residual: input \(input.shape) does not fit \(expand.key), \(depthwise.key), \(project.key)")
        let (height, width, channels) = (input.shape[0], input.shape[1], input.shape[2])
        let hidden = expand.outChannels
        let band = Self.invertedResidualBandRows
        let bufferRows = min(height, band + 2)
        // Every element a band reads is written first (expand, then depthwise): no zero fill needed.
        let bufferCount = bufferRows * width * hidden
        var expanded = [Float](unsafeUninitializedCapacity: bufferCount) { _, initialized in initialized = bufferCount }
        var filtered = [Float](unsafeUninitializedCapacity: bufferCount) { _, initialized in initialized = bufferCount }
        return Tensor(shape: [height, width, channels]) { out in
            input.storage.withUnsafeBufferPointer { x in
                expanded.withUnsafeMutableBufferPointer { e in
                    filtered.withUnsafeMutableBufferPointer { f in
                        var first = 0
                        while first < height {
                            let last = min(height, first + band)
                            let haloFirst = max(0, first - 1)
                            let haloLast = min(height, last + 1)
                            let haloRows = haloLast - haloFirst
                            let expandedBand = UnsafeMutableBufferPointer(
                                rebasing: e[0..<(haloRows * width * hidden)])
                            // Fused passes: expand + bias + GELU, depthwise + bias + GELU (also on the
                            // halo rows, which are not used), project + bias + residual + GELU.
                            expand.linear.apply(
                                x.baseAddress! + haloFirst * width * channels, rows: haloRows * width,
                                output: expandedBand.baseAddress!, adding: nil, gelu: true)
                            depthwise.apply(
                                UnsafePointer(expandedBand.baseAddress!), height: haloRows, width: width, gelu: true,
                                output: f.baseAddress!)
                            let skipped = (first - haloFirst) * width * hidden
                            let bandValues = (last - first) * width
                            project.linear.apply(
                                UnsafePointer(f.baseAddress! + skipped), rows: bandValues,
                                output: out.baseAddress! + first * width * channels,
                                adding: x.baseAddress! + first * width * channels, gelu: true)
                            first = last
                        }
                    }
                }
            }
        }
    }
}
