import CKernels
import Foundation
import SAMTensor
import XCTest

/// The fused window attention kernel (`WindowAttentionKernel`, `p2s_window_attention_f32`) against a
/// Double-precision reference written here and, bit for bit, against the OpenBLAS path it replaces (per head
/// `GEMM.single` for the scaled scores, the bias, `Normalization.softmaxRows`, `GEMM.single` for the values),
/// on windows of 49 and 196 tokens (TinyViT's 7x7 and 14x14), a window size that is not a multiple of 16 nor
/// of the 6-query tile, key widths 16 to 64, tokens sharing one (padding) row and tokens without output.
final class WindowAttentionKernelTests: XCTestCase {
    /// Deterministic values in [-scale, scale).
    private func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (2 * Float(state >> 40) / Float(1 << 24) - 1)
        }
    }

    /// One window: `n` token rows of `3 · heads · keyDim` values (the last `padded` tokens all read row `n`,
    /// as TinyViT's padding tokens share the padding row), the bias, and which tokens have an output.
    private struct Window {
        let n: Int
        let heads: Int
        let keyDim: Int
        let rows: [Float]
        let bias: [Float]
        let rowOfToken: [Int]
        let hasOutput: [Bool]
        var rowWidth: Int { 3 * heads * keyDim }
        var dim: Int { heads * keyDim }
    }

    private func window(n: Int, heads: Int, keyDim: Int, padded: Int, seed: UInt64) -> Window {
        let rowWidth = 3 * heads * keyDim
        // Scores of a few units, as in a trained model (q and k of magnitude ~1.5 over keyDim channels).
        let rows = values((n + 1) * rowWidth, seed: seed, scale: 1.5)
        let bias = values(heads * n * n, seed: seed + 1, scale: 2)
        let rowOfToken = (0..<n).map { $0 < n - padded ? $0 : n }
        let hasOutput = (0..<n).map { $0 < n - padded }
        return Window(
            n: n, heads: heads, keyDim: keyDim, rows: rows, bias: bias, rowOfToken: rowOfToken,
            hasOutput: hasOutput)
    }

    /// The fused kernel's output, `n x dim` (NaN where a token has no output).
    private func fused(_ w: Window) -> [Float] {
        var out = [Float](repeating: .nan, count: w.n * w.dim)
        var scratch = [Float](repeating: .nan, count: WindowAttentionKernel.scratchCount(tokens: w.n, keyDim: w.keyDim))
        let scale = 1 / Float(w.keyDim).squareRoot()
        w.rows.withUnsafeBufferPointer { rows in
            w.bias.withUnsafeBufferPointer { bias in
                out.withUnsafeMutableBufferPointer { o in
                    let tokens: [UnsafePointer<Float>?] = w.rowOfToken.map { rows.baseAddress! + $0 * w.rowWidth }
                    let outputs: [UnsafeMutablePointer<Float>?] = (0..<w.n).map {
                        w.hasOutput[$0] ? o.baseAddress! + $0 * w.dim : nil
                    }
                    WindowAttentionKernel.attend(
                        tokens: tokens, heads: w.heads, keyDim: w.keyDim, scale: scale, bias: bias.baseAddress!,
                        scratch: &scratch, outputs: outputs)
                }
            }
        }
        return out
    }

    /// The OpenBLAS path of `WindowAttentionLayer.attend` before the fused kernel: gather, then per head
    /// `GEMM.single` (scaled scores), bias, `Normalization.softmaxRows`, `GEMM.single` (values).
    private func gathered(_ w: Window) -> [Float] {
        let (n, keyDim, rowWidth, dim) = (w.n, w.keyDim, w.rowWidth, w.dim)
        var window = [Float](repeating: 0, count: n * rowWidth)
        for t in 0..<n {
            for c in 0..<rowWidth { window[t * rowWidth + c] = w.rows[w.rowOfToken[t] * rowWidth + c] }
        }
        var scores = [Float](repeating: 0, count: n * n)
        var heads = [Float](repeating: 0, count: n * dim)
        let scale = 1 / Float(keyDim).squareRoot()
        window.withUnsafeBufferPointer { win in
            scores.withUnsafeMutableBufferPointer { s in
                heads.withUnsafeMutableBufferPointer { o in
                    for h in 0..<w.heads {
                        let q = win.baseAddress! + h * 3 * keyDim
                        let k = q + keyDim
                        let v = k + keyDim
                        GEMM.single(false, true, n, n, keyDim, scale, q, rowWidth, k, rowWidth, 0, s.baseAddress!, n)
                        for e in 0..<(n * n) { s[e] += w.bias[h * n * n + e] }
                        Normalization.softmaxRows(s.baseAddress!, rows: n, cols: n)
                        GEMM.single(
                            false, false, n, keyDim, n, 1, s.baseAddress!, n, v, rowWidth, 0,
                            o.baseAddress! + h * keyDim, dim)
                    }
                }
            }
        }
        return heads
    }

    /// The attention in Double.
    private func reference(_ w: Window) -> [Double] {
        let (n, keyDim, rowWidth, dim) = (w.n, w.keyDim, w.rowWidth, w.dim)
        let scale = 1 / Double(keyDim).squareRoot()
        var out = [Double](repeating: 0, count: n * dim)
        func row(_ t: Int) -> Int { w.rowOfToken[t] * rowWidth }
        for h in 0..<w.heads {
            for i in 0..<n {
                var s = [Double](repeating: 0, count: n)
                for j in 0..<n {
                    var sum = 0.0
                    for d in 0..<keyDim {
                        sum +=
                            Double(w.rows[row(i) + h * 3 * keyDim + d])
                            * Double(w.rows[row(j) + h * 3 * keyDim + keyDim + d])
                    }
                    s[j] = sum * scale + Double(w.bias[(h * n + i) * n + j])
                }
                let m = s.max()!
                let e = s.map { exp($0 - m) }
                let total = e.reduce(0, +)
                for d in 0..<keyDim {
                    var sum = 0.0
                    for j in 0..<n { sum += e[j] / total * Double(w.rows[row(j) + h * 3 * keyDim + 2 * keyDim + d]) }
                    out[i * dim + h * keyDim + d] = sum
                }
            }
        }
        return out
    }

    /// TinyViT's windows (49 and 196 tokens, 32 channels per head, with and without padding tokens) and other
    /// sizes; OpenBLAS sums these products in one FMA chain, which the bit-for-bit test relies on.
    private var shapes: [(n: Int, heads: Int, keyDim: Int, padded: Int)] {
        [(49, 2, 32, 0), (49, 5, 32, 13), (196, 5, 32, 0), (196, 2, 32, 60), (23, 3, 16, 4), (37, 2, 64, 5)]
    }

    /// Shapes checked against the Double reference only: OpenBLAS sums the products of a window this small
    /// (5 tokens) in another order, so the kernel agrees with it to rounding, not bit for bit.
    private var tinyShapes: [(n: Int, heads: Int, keyDim: Int, padded: Int)] { [(5, 1, 48, 1), (1, 2, 16, 0)] }

    func testFusedKernelMatchesDoubleReference() throws {
        guard WindowAttentionKernel.runs(tokens: 49, keyDim: 32) else {
            throw XCTSkip("the fused kernel needs AVX-512")
        }
        for (index, shape) in (shapes + tinyShapes).enumerated() {
            let w = window(
                n: shape.n, heads: shape.heads, keyDim: shape.keyDim, padded: shape.padded, seed: UInt64(index * 10))
            let got = fused(w)
            let want = reference(w)
            var worst = 0.0
            for t in 0..<w.n {
                for c in 0..<w.dim {
                    let value = got[t * w.dim + c]
                    if w.hasOutput[t] {
                        worst = max(worst, abs(Double(value) - want[t * w.dim + c]))
                    } else {
                        XCTAssertTrue(value.isNaN, "shape \(shape): token \(t) has no output but was written")
                    }
                }
            }
            XCTAssertLessThan(worst, 2e-5, "shape \(shape): max |fused − Double reference| \(worst)")
        }
    }

    func testFusedKernelEqualsOpenBLASPathBitForBit() throws {
        guard WindowAttentionKernel.runs(tokens: 49, keyDim: 32) else {
            throw XCTSkip("the fused kernel needs AVX-512")
        }
        for (index, shape) in shapes.enumerated() {
            let w = window(
                n: shape.n, heads: shape.heads, keyDim: shape.keyDim, padded: shape.padded, seed: UInt64(index * 10 + 5)
            )
            let got = fused(w)
            let want = gathered(w)
            var differing = 0
            var worst: Float = 0
            for t in 0..<w.n where w.hasOutput[t] {
                for c in 0..<w.dim where got[t * w.dim + c].bitPattern != want[t * w.dim + c].bitPattern {
                    differing += 1
                    worst = max(worst, abs(got[t * w.dim + c] - want[t * w.dim + c]))
                }
            }
            XCTAssertEqual(
                differing, 0, "shape \(shape): \(differing) values differ from the OpenBLAS path (max \(worst))")
        }
    }

    func testUnsupportedShapesFallBack() {
        XCTAssertFalse(WindowAttentionKernel.runs(tokens: 257, keyDim: 32))
        XCTAssertFalse(WindowAttentionKernel.runs(tokens: 49, keyDim: 24))
        XCTAssertFalse(WindowAttentionKernel.runs(tokens: 49, keyDim: 80))
        XCTAssertEqual(p2s_window_attention_f32(nil, 49, 1, 24, 1, nil, nil, nil), 0)
    }
}
