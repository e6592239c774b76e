import SAMTensor

extension Variable {
    /// Depthwise 3x3 convolution (groups = channels), zero padding 1, stride 1 or 2, on NHWC maps
    /// (TinyViT's `local_conv` and `PatchMerging.conv2`, `nn.Conv2d(C, C, 3, stride, 1, groups=C)`).
    ///
    /// The forward is SAMTensor's inference kernel `Convolution.depthwise3x3`, so a frozen layer gives
    /// bit-identical values to the inference encoder. Backward: the input gradient is gathered per
    /// input row (parallel, disjoint writes); weight and bias gradients are sums over positions.
    ///
    /// - Parameters:
    ///   - weight: `[3, 3, C]` (tap-major; a PyTorch `(C, 1, 3, 3)` weight through
    ///     `Convolution.prepareDepthwise3x3`).
    ///   - bias: `[C]`, or nil for none.
    ///   - stride: 1 or 2.
    /// - Returns: `[Ho, Wo, C]` (or `[B, Ho, Wo, C]`), `Ho = (H − 1) / stride + 1`.
    public func depthwiseConv3x3(weight: Variable, bias: Variable? = nil, stride: Int = 1) -> Variable {
        let x = value
        let w = weight.value
        let (batch, height, width, channels) = imageDimensions(x.shape, "depthwiseConv3x3")
        precondition(w.shape == [3, 3, channels], "depthwiseConv3x3: weight \(w.shape), want [3, 3, \(channels)]")
        precondition(stride == 1 || stride == 2, "depthwiseConv3x3: stride \(stride) is not 1 or 2")
        if let bias {
            precondition(bias.shape == [channels], "depthwiseConv3x3: bias \(bias.shape), want [\(channels)]")
        }
        let outH = Convolution.outputSide(height, stride: stride)
        let outW = Convolution.outputSide(width, stride: stride)
        let inPlane = height * width * channels
        let outPlane = outH * outW * channels
        let biasValues = bias?.value.storage ?? [Float](repeating: 0, count: channels)
        let y = Tensor(shape: (x.rank == 4 ? [batch] : []) + [outH, outW, channels]) { out in
            x.storage.withUnsafeBufferPointer { xb in
                w.storage.withUnsafeBufferPointer { wb in
                    biasValues.withUnsafeBufferPointer { bb in
                        for b in 0..<batch {
                            Convolution.depthwise3x3(
                                xb.baseAddress! + b * inPlane, height: height, width: width, channels: channels,
                                weight: wb.baseAddress!, bias: bb.baseAddress!, stride: stride,
                                output: out.baseAddress! + b * outPlane)
                        }
                    }
                }
            }
        }
        let inputShape = x.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return graph.record(y, inputs: inputs) { graph, g in
            g.storage.withUnsafeBufferPointer { gb in
                if graph.needsGradient(self) {
                    let dx = Tensor(shape: inputShape) { out in
                        w.storage.withUnsafeBufferPointer { wb in
                            let sg = SharedPointer(gb.baseAddress!)
                            let sw = SharedPointer(wb.baseAddress!)
                            let so = SharedMutablePointer(out.baseAddress!)
                            Parallel.forEachChunk(of: batch * height, minimumChunk: 1) { lines in
                                for line in lines {
                                    let b = line / height
                                    let iy = line % height
                                    for ix in 0..<width {
                                        let dst = so.base + ((b * height + iy) * width + ix) * channels
                                        dst.update(repeating: 0, count: channels)
                                        // Output (oy, ox) reads input (oy·s + ky − 1, ox·s + kx − 1).
                                        for ky in 0..<3 {
                                            let sy = iy + 1 - ky
                                            guard sy >= 0, sy % stride == 0, sy / stride < outH else { continue }
                                            let oy = sy / stride
                                            for kx in 0..<3 {
                                                let sx = ix + 1 - kx
                                                guard sx >= 0, sx % stride == 0, sx / stride < outW else { continue }
                                                let src = sg.base + ((b * outH + oy) * outW + sx / stride) * channels
                                                let tap = sw.base + (ky * 3 + kx) * channels
                                                for c in 0..<channels { dst[c] += src[c] * tap[c] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    graph.accumulate(dx, into: self)
                }
                if graph.needsGradient(weight) {
                    var dw = [Float](repeating: 0, count: 9 * channels)
                    x.storage.withUnsafeBufferPointer { xb in
                        for b in 0..<batch {
                            for oy in 0..<outH {
                                for ox in 0..<outW {
                                    let src = gb.baseAddress! + ((b * outH + oy) * outW + ox) * channels
                                    for ky in 0..<3 {
                                        let iy = oy * stride + ky - 1
                                        if iy < 0 || iy >= height { continue }
                                        for kx in 0..<3 {
                                            let ix = ox * stride + kx - 1
                                            if ix < 0 || ix >= width { continue }
                                            let input = xb.baseAddress! + ((b * height + iy) * width + ix) * channels
                                            let tap = (ky * 3 + kx) * channels
                                            for c in 0..<channels { dw[tap + c] += src[c] * input[c] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    graph.accumulate(Tensor(shape: [3, 3, channels], storage: dw), into: weight)
                }
            }
            if let bias, graph.needsGradient(bias) {
                graph.accumulate(Broadcasting.reduce(g, to: [channels]), into: bias)
            }
        }
    }
}
