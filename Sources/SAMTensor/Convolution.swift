import CKernels

/// Convolutions on NHWC activations (`[H, W, C]` per image, channels fastest).
///
/// Weights are taken in PyTorch's layouts and rearranged once, at load time, by the `prepare…`
/// functions, so the per-call kernels read them contiguously.
public enum Convolution {
    /// Output side of a 3x3 convolution with padding 1.
    public static func outputSide(_ side: Int, stride: Int) -> Int { (side + 2 - 3) / stride + 1 }

    /// Rearranges a depthwise weight from PyTorch `(C, 1, 3, 3)` to `(3, 3, C)`.
    public static func prepareDepthwise3x3(_ weight: [Float], channels: Int) -> [Float] {
        precondition(weight.count == channels * 9, "depthwise weight has \(weight.count) values, want \(channels * 9)")
        var out = [Float](repeating: 0, count: channels * 9)
        for c in 0..<channels { for t in 0..<9 { out[t * channels + c] = weight[c * 9 + t] } }
        return out
    }

    /// Depthwise 3x3 convolution, padding 1 (zeros), stride 1 or 2, with bias and optionally GELU
    /// (the vectorised C kernel `p2s_depthwise3x3_rows`, output rows split over the cores).
    ///
    /// - Parameters:
    ///   - input: `[height, width, channels]`.
    ///   - height: input rows.
    ///   - width: input columns.
    ///   - channels: channels (the same in input and output).
    ///   - weight: `(3, 3, channels)` from `prepareDepthwise3x3`.
    ///   - bias: `channels` values.
    ///   - stride: 1 or 2, in both directions.
    ///   - gelu: apply exact GELU to each output (a fused `Conv2d_BN` + GELU).
    ///   - output: `[outH, outW, channels]` with `outH = outputSide(height, stride:)`; every element is written.
    public static func depthwise3x3(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, stride: Int, gelu: Bool = false,
        output: UnsafeMutablePointer<Float>
    ) {
        precondition(stride == 1 || stride == 2, "depthwise3x3: stride \(stride), want 1 or 2")
        let outH = outputSide(height, stride: stride)
        let si = SharedPointer(input)
        let sw = SharedPointer(weight)
        let sb = SharedPointer(bias)
        let so = SharedMutablePointer(output)
        Parallel.forEachChunk(of: outH, minimumChunk: 1) { rows in
            p2s_depthwise3x3_rows(
                si.base, height, width, channels, sw.base, sb.base, stride, rows.lowerBound, rows.upperBound,
                gelu ? 1 : 0, so.base)
        }
    }

    /// Rearranges a dense 3x3 weight from PyTorch `(Cout, Cin, 3, 3)` to `(Cout, 3, 3, Cin)`,
    /// the column order of `im2col3x3`.
    public static func prepareDense3x3(_ weight: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        precondition(weight.count == outChannels * inChannels * 9, "3x3 weight size mismatch")
        var out = [Float](repeating: 0, count: weight.count)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for t in 0..<9 { out[(o * 9 + t) * inChannels + i] = weight[(o * inChannels + i) * 9 + t] }
            }
        }
        return out
    }

    /// Dense 3x3 convolution, stride 1, padding 1, via im2col and one GEMM.
    ///
    /// - Parameters:
    ///   - input: `[height, width, inChannels]`.
    ///   - height: input (and output) rows.
    ///   - width: input (and output) columns.
    ///   - inChannels: input channels.
    ///   - weight: `(outChannels, 3, 3, inChannels)` from `prepareDense3x3`.
    ///   - bias: `outChannels` values or nil.
    ///   - outChannels: output channels.
    ///   - output: `[height, width, outChannels]`.
    public static func dense3x3(
        _ input: UnsafePointer<Float>, height: Int, width: Int, inChannels: Int,
        weight: UnsafePointer<Float>, bias: UnsafeBufferPointer<Float>?, outChannels: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let columns = 9 * inChannels
        let direct = LinearKernel.runs(rows: height * width)
        let count = height * width * columns
        // `patches3x3` writes every value: no zero fill.
        var patches = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        patches.withUnsafeMutableBufferPointer { buffer in
            patches3x3(input, height: height, width: width, inChannels: inChannels, into: buffer.baseAddress!)
            if direct {
                // The own f32 kernel with the bias fused (`LinearKernel`); else OpenBLAS and a bias pass.
                LinearKernel.apply(
                    buffer.baseAddress!, rows: height * width, weight: weight, outFeatures: outChannels,
                    inFeatures: columns, output: output, bias: bias?.baseAddress, residual: nil, gelu: false)
                return
            }
            GEMM.multiply(
                transposeB: true, m: height * width, n: outChannels, k: columns,
                a: buffer.baseAddress!, lda: columns, b: weight, ldb: columns,
                c: output, ldc: outChannels)
        }
        if !direct, let bias { Elementwise.addRowBias(bias, to: output, rows: height * width) }
    }

    /// The 3x3 patches (im2col) of one NHWC image for `dense3x3`'s GEMM: row `y · width + x` holds the
    /// input at `(y + ky − 1, x + kx − 1)` for `ky, kx` in 0…2 (channels fastest), zero outside the image.
    ///
    /// - Parameters:
    ///   - input: `[height, width, inChannels]`.
    ///   - height: rows.
    ///   - width: columns.
    ///   - inChannels: channels.
    ///   - patches: `height · width · 9 · inChannels` values, all written (zeros for the padding), so the
    ///     buffer need not be initialised.
    public static func patches3x3(
        _ input: UnsafePointer<Float>, height: Int, width: Int, inChannels: Int,
        into patches: UnsafeMutablePointer<Float>
    ) {
        let columns = 9 * inChannels
        let sp = SharedMutablePointer(patches)
        let si = SharedPointer(input)
        Parallel.forEachChunk(of: height, minimumChunk: 1) { rows in
            for y in rows {
                for x in 0..<width {
                    let row = sp.base + (y * width + x) * columns
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        for kx in 0..<3 {
                            let ix = x + kx - 1
                            let tap = row + (ky * 3 + kx) * inChannels
                            if iy < 0 || iy >= height || ix < 0 || ix >= width {
                                tap.update(repeating: 0, count: inChannels)
                            } else {
                                tap.update(from: si.base + (iy * width + ix) * inChannels, count: inChannels)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rearranges a transposed-convolution weight from PyTorch `(Cin, Cout, 2, 2)` to
    /// `(Cin, 2, 2, Cout)`, so one GEMM yields all four output phases per input pixel.
    public static func prepareTransposed2x2(_ weight: [Float], inChannels: Int, outChannels: Int) -> [Float] {
        precondition(weight.count == inChannels * outChannels * 4, "transposed weight size mismatch")
        var out = [Float](repeating: 0, count: weight.count)
        for i in 0..<inChannels {
            for o in 0..<outChannels {
                for t in 0..<4 { out[(i * 4 + t) * outChannels + o] = weight[(i * outChannels + o) * 4 + t] }
            }
        }
        return out
    }

    /// Transposed convolution with kernel 2 and stride 2 (each input pixel paints a 2x2 block).
    ///
    /// - Parameters:
    ///   - input: `[height, width, inChannels]`.
    ///   - height: input rows.
    ///   - width: input columns.
    ///   - inChannels: input channels.
    ///   - weight: `(inChannels, 2, 2, outChannels)` from `prepareTransposed2x2`.
    ///   - bias: `outChannels` values.
    ///   - outChannels: output channels.
    ///   - output: `[2 height, 2 width, outChannels]`.
    public static func transposed2x2(
        _ input: UnsafePointer<Float>, height: Int, width: Int, inChannels: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outChannels: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let phases = 4 * outChannels
        var blocks = [Float](unsafeUninitializedCapacity: height * width * phases) { _, n in n = height * width * phases
        }
        blocks.withUnsafeMutableBufferPointer { buffer in
            let tmp = buffer.baseAddress!
            GEMM.multiply(
                m: height * width, n: phases, k: inChannels,
                a: input, lda: inChannels, b: weight, ldb: phases, c: tmp, ldc: phases)
            let st = SharedPointer(UnsafePointer(tmp))
            let so = SharedMutablePointer(output)
            let sb = SharedPointer(bias)
            Parallel.forEachChunk(of: height, minimumChunk: 1) { rows in
                for y in rows {
                    for x in 0..<width {
                        let src = st.base + (y * width + x) * phases
                        for dy in 0..<2 {
                            for dx in 0..<2 {
                                let dst = so.base + ((2 * y + dy) * 2 * width + 2 * x + dx) * outChannels
                                let phase = src + (dy * 2 + dx) * outChannels
                                for o in 0..<outChannels { dst[o] = phase[o] + sb.base[o] }
                            }
                        }
                    }
                }
            }
        }
    }
}
