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
        var expanded = [Float](repeating: 0, count: bufferRows * width * hidden)
        var filtered = [Float](repeating: 0, count: bufferRows * width * hidden)
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
                            expand.linear.apply(
                                x.baseAddress! + haloFirst * width * channels, rows: haloRows * width,
                                output: expandedBand.baseAddress!)
                            Elementwise.gelu(expandedBand)
                            depthwise.apply(
                                UnsafePointer(expandedBand.baseAddress!), height: haloRows, width: width,
                                output: f.baseAddress!)
                            let skipped = (first - haloFirst) * width * hidden
                            let bandValues = (last - first) * width
                            Elementwise.gelu(
                                UnsafeMutableBufferPointer(rebasing: f[skipped..<(skipped + bandValues * hidden)]))
                            let target = out.baseAddress! + first * width * channels
                            project.linear.apply(
                                UnsafePointer(f.baseAddress! + skipped), rows: bandValues, output: target)
                            let outBand = UnsafeMutableBufferPointer(start: target, count: bandValues * channels)
                            Elementwise.add(
                                UnsafeBufferPointer(
                                    rebasing: x[(first * width * channels)..<(last * width * channels)]),
                                into: outBand)
                            Elementwise.gelu(outBand)
                            first = last
                        }
                    }
                }
            }
        }
    }
}
