import SAMTensor

/// Geometry of a dense NHWC convolution.
struct ConvolutionGeometry {
    let batch, height, width, inChannels, outChannels, kernel, stride, padding: Int
    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    var rows: Int { batch * outHeight * outWidth }
    var columns: Int { kernel * kernel * inChannels }
    /// A 1x1, stride-1, unpadded convolution reads the input directly as its column matrix.
    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Patch matrix `[rows, k·k·Cin]`, columns ordered `(ky, kx, ci)`, zeros outside the image.
    func im2col(_ input: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        let si = SharedPointer(input)
        let sc = SharedMutablePointer(cols)
        let (oh, ow, cin, k) = (outHeight, outWidth, inChannels, kernel)
        Parallel.forEachChunk(of: batch * oh, minimumChunk: 1) { lines in
            for line in lines {
                let b = line / oh
                let oy = line % oh
                for ox in 0..<ow {
                    let row = sc.base + (line * ow + ox) * columns
                    for ky in 0..<k {
                        let iy = oy * stride + ky - padding
                        for kx in 0..<k {
                            let ix = ox * stride + kx - padding
                            let dst = row + (ky * k + kx) * cin
                            if iy < 0 || iy >= height || ix < 0 || ix >= width {
                                dst.update(repeating: 0, count: cin)
                            } else {
                                dst.update(from: si.base + ((b * height + iy) * width + ix) * cin, count: cin)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adjoint of `im2col`: adds each patch-matrix entry back to its input position.
    func col2im(_ cols: UnsafePointer<Float>, into input: UnsafeMutablePointer<Float>) {
        let sc = SharedPointer(cols)
        let si = SharedMutablePointer(input)
        let (oh, ow, cin, k) = (outHeight, outWidth, inChannels, kernel)
        // Images are independent; within one image, patches overlap, so it runs sequentially.
        Parallel.forEachChunk(of: batch, minimumChunk: 1) { images in
            for b in images {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let row = sc.base + ((b * oh + oy) * ow + ox) * columns
                        for ky in 0..<k {
                            let iy = oy * stride + ky - padding
                            if iy < 0 || iy >= height { continue }
                            for kx in 0..<k {
                                let ix = ox * stride + kx - padding
                                if ix < 0 || ix >= width { continue }
                                let dst = si.base + ((b * height + iy) * width + ix) * cin
                                let src = row + (ky * k + kx) * cin
                                for c in 0..<cin { dst[c] += src[c] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Splits `[B, H, W, C]` or `[H, W, C]` into `(B, H, W, C)`.
func imageDimensions(_ shape: [Int], _ op: String) -> (Int, Int, Int, Int) {
    precondition(shape.count == 3 || shape.count == 4, "\(op): want [B, H, W, C] or [H, W, C], got \(shape)")
    return shape.count == 4 ? (shape[0], shape[1], shape[2], shape[3]) : (1, shape[0], shape[1], shape[2])
}

extension Variable {
    /// Dense 2-D convolution on NHWC activations (im2col + one GEMM, likewise both gradients).
    ///
    /// - Parameters:
    ///   - weight: `[Cout, k, k, Cin]` ("OHWI"; a PyTorch `(Cout, Cin, k, k)` weight is
    ///     `permuted([0, 2, 3, 1])`).
    ///   - bias: `[Cout]` or nil.
    ///   - stride: as in `nn.Conv2d`, in both directions.
    ///   - padding: zeros added on all sides, as in `nn.Conv2d`.
    /// - Returns: `[B, Ho, Wo, Cout]` (or `[Ho, Wo, Cout]` for a rank-3 input), `Ho = (H + 2p − k)/s + 1`.
    public func conv2d(weight: Variable, bias: Variable? = nil, stride: Int = 1, padding: Int = 0) -> Variable {
        let x = value
        let w = weight.value
        let (batch, height, width, cin) = imageDimensions(x.shape, "conv2d")
        precondition(
            w.rank == 4 && w.shape[1] == w.shape[2] && w.shape[3] == cin,
            "conv2d: weight \(w.shape) must be [Cout, k, k, \(cin)]")
        let geometry = ConvolutionGeometry(
            batch: batch, height: height, width: width, inChannels: cin,
            outChannels: w.shape[0], kernel: w.shape[1], stride: stride, padding: padding)
        precondition(geometry.outHeight > 0 && geometry.outWidth > 0, "conv2d: empty output for \(x.shape)")
        let (rows, columns, cout) = (geometry.rows, geometry.columns, geometry.outChannels)
        let cols: Tensor
        if geometry.isPointwise {
            cols = x
        } else {
            cols = Tensor(shape: [rows, columns]) { out in
                x.storage.withUnsafeBufferPointer { geometry.im2col($0.baseAddress!, into: out.baseAddress!) }
            }
        }
        let outShape = (x.rank == 4 ? [batch] : []) + [geometry.outHeight, geometry.outWidth, cout]
        var y = Tensor(shape: outShape) { out in
            cols.storage.withUnsafeBufferPointer { cb in
                w.storage.withUnsafeBufferPointer { wb in
                    GEMM.multiply(
                        transposeB: true, m: rows, n: cout, k: columns, a: cb.baseAddress!, lda: columns,
                        b: wb.baseAddress!, ldb: columns, c: out.baseAddress!, ldc: cout)
                }
            }
        }
        if let bias {
            precondition(bias.shape == [cout], "conv2d: bias \(bias.shape), want [\(cout)]")
            let b = bias.value
            y.storage.withUnsafeMutableBufferPointer { yb in
                b.storage.withUnsafeBufferPointer { Elementwise.addRowBias($0, to: yb.baseAddress!, rows: rows) }
            }
        }
        let inputShape = x.shape
        let weightShape = w.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return graph.record(y, inputs: inputs) { graph, g in
            g.storage.withUnsafeBufferPointer { gb in
                if graph.needsGradient(weight) {
                    let dw = Tensor(shape: weightShape) { out in
                        cols.storage.withUnsafeBufferPointer { cb in
                            GEMM.multiply(
                                transposeA: true, m: cout, n: columns, k: rows, a: gb.baseAddress!, lda: cout,
                                b: cb.baseAddress!, ldb: columns, c: out.baseAddress!, ldc: columns)
                        }
                    }
                    graph.accumulate(dw, into: weight)
                }
                if graph.needsGradient(self) {
                    var dcols = [Float](unsafeUninitializedCapacity: rows * columns) { _, n in n = rows * columns }
                    dcols.withUnsafeMutableBufferPointer { db in
                        w.storage.withUnsafeBufferPointer { wb in
                            GEMM.multiply(
                                m: rows, n: columns, k: cout, a: gb.baseAddress!, lda: cout,
                                b: wb.baseAddress!, ldb: columns, c: db.baseAddress!, ldc: columns)
                        }
                    }
                    if geometry.isPointwise {
                        graph.accumulate(Tensor(shape: inputShape, storage: dcols), into: self)
                    } else {
                        var dx = Tensor(shape: inputShape)
                        dx.storage.withUnsafeMutableBufferPointer { xb in
                            dcols.withUnsafeBufferPointer { geometry.col2im($0.baseAddress!, into: xb.baseAddress!) }
                        }
                        graph.accumulate(dx, into: self)
                    }
                }
            }
            if let bias, graph.needsGradient(bias) {
                graph.accumulate(Broadcasting.reduce(g, to: [cout]), into: bias)
            }
        }
    }

    /// Transposed convolution, kernel 2, stride 2, on NHWC activations (SAM's `output_upscaling`):
    /// each input pixel paints a 2x2 output block. One GEMM forward and one per gradient.
    ///
    /// - Parameters:
    ///   - weight: `[Cin, Cout, 2, 2]`, PyTorch's `ConvTranspose2d` layout as stored in checkpoints.
    ///   - bias: `[Cout]` or nil.
    /// - Returns: `[B, 2H, 2W, Cout]` (or `[2H, 2W, Cout]`).
    public func transposedConv2x2(weight: Variable, bias: Variable? = nil) -> Variable {
        let x = value
        let w = weight.value
        let (batch, height, width, cin) = imageDimensions(x.shape, "transposedConv2x2")
        precondition(
            w.rank == 4 && w.shape[0] == cin && w.shape[2] == 2 && w.shape[3] == 2,
            "transposedConv2x2: weight \(w.shape) must be [\(cin), Cout, 2, 2]")
        let cout = w.shape[1]
        let phases = 4 * cout
        let rows = batch * height * width
        let outShape = (x.rank == 4 ? [batch] : []) + [2 * height, 2 * width, cout]
        let biasValue = bias?.value
        if let bias { precondition(bias.shape == [cout], "transposedConv2x2: bias \(bias.shape), want [\(cout)]") }
        let lines = batch * height
        var blocks = [Float](unsafeUninitializedCapacity: rows * phases) { _, n in n = rows * phases }
        blocks.withUnsafeMutableBufferPointer { tb in
            x.storage.withUnsafeBufferPointer { xb in
                w.storage.withUnsafeBufferPointer { wb in
                    GEMM.multiply(
                        m: rows, n: phases, k: cin, a: xb.baseAddress!, lda: cin,
                        b: wb.baseAddress!, ldb: phases, c: tb.baseAddress!, ldc: phases)
                }
            }
        }
        let y = Tensor(shape: outShape) { out in
            blocks.withUnsafeBufferPointer { tb in
                let bias = biasValue?.storage ?? [Float](repeating: 0, count: cout)
                bias.withUnsafeBufferPointer { bb in
                    let st = SharedPointer(tb.baseAddress!)
                    let so = SharedMutablePointer(out.baseAddress!)
                    let sb = SharedPointer(bb.baseAddress!)
                    Parallel.forEachChunk(of: lines, minimumChunk: 1) { range in
                        for line in range {
                            for x in 0..<width {
                                let src = st.base + (line * width + x) * phases
                                for t in 0..<4 {
                                    let dst = so.base + ((2 * line + t / 2) * 2 * width + 2 * x + t % 2) * cout
                                    for o in 0..<cout { dst[o] = src[o * 4 + t] + sb.base[o] }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputShape = x.shape
        let weightShape = w.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return graph.record(y, inputs: inputs) { graph, g in
            // Gather the output gradient back into the [rows, Cout·4] phase layout.
            var dBlocks = [Float](unsafeUninitializedCapacity: rows * phases) { _, n in n = rows * phases }
            g.storage.withUnsafeBufferPointer { gb in
                dBlocks.withUnsafeMutableBufferPointer { tb in
                    let sg = SharedPointer(gb.baseAddress!)
                    let st = SharedMutablePointer(tb.baseAddress!)
                    Parallel.forEachChunk(of: lines, minimumChunk: 1) { range in
                        for line in range {
                            for x in 0..<width {
                                let dst = st.base + (line * width + x) * phases
                                for t in 0..<4 {
                                    let src = sg.base + ((2 * line + t / 2) * 2 * width + 2 * x + t % 2) * cout
                                    for o in 0..<cout { dst[o * 4 + t] = src[o] }
                                }
                            }
                        }
                    }
                }
            }
            dBlocks.withUnsafeBufferPointer { tb in
                if graph.needsGradient(self) {
                    let dx = Tensor(shape: inputShape) { out in
                        w.storage.withUnsafeBufferPointer { wb in
                            GEMM.multiply(
                                transposeB: true, m: rows, n: cin, k: phases, a: tb.baseAddress!, lda: phases,
                                b: wb.baseAddress!, ldb: phases, c: out.baseAddress!, ldc: cin)
                        }
                    }
                    graph.accumulate(dx, into: self)
                }
                if graph.needsGradient(weight) {
                    let dw = Tensor(shape: weightShape) { out in
                        x.storage.withUnsafeBufferPointer { xb in
                            GEMM.multiply(
                                transposeA: true, m: cin, n: phases, k: rows, a: xb.baseAddress!, lda: cin,
                                b: tb.baseAddress!, ldb: phases, c: out.baseAddress!, ldc: phases)
                        }
                    }
                    graph.accumulate(dw, into: weight)
                }
            }
            if let bias, graph.needsGradient(bias) {
                graph.accumulate(Broadcasting.reduce(g, to: [cout]), into: bias)
            }
        }
    }
}
