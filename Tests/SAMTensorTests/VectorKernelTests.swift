import CKernels
import Foundation
import SAMTensor
import XCTest

/// The vectorised C kernels (`CKernels`, whichever variant this CPU dispatches to) against scalar
/// Double-precision references written here.
final class VectorKernelTests: XCTestCase {
    /// Deterministic values in [-scale, scale).
    private func values(_ count: Int, seed: UInt64, scale: Float = 3) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (2 * Float(state >> 40) / Float(1 << 24) - 1)
        }
    }

    func testDispatchLevelIsKnown() {
        XCTAssertTrue((0...2).contains(Int(p2s_kernel_level())))
    }

    func testErfWithinOneMillionthOverADenseRange() {
        let count = 1_000_001
        var x = (0..<count).map { Float(-9 + 18 * Double($0) / Double(count - 1)) }
        let inputs = x
        x.withUnsafeMutableBufferPointer { p2s_erf($0.baseAddress!, count) }
        var worst = 0.0
        for i in 0..<count { worst = max(worst, abs(Double(x[i]) - Foundation.erf(Double(inputs[i])))) }
        XCTAssertLessThan(worst, 1e-6, "worst absolute erf error \(worst)")
    }

    func testGELUMatchesExactFormOverADenseRange() {
        let count = 400_001
        var x = (0..<count).map { Float(-12 + 24 * Double($0) / Double(count - 1)) }
        let inputs = x
        x.withUnsafeMutableBufferPointer { Elementwise.gelu($0) }
        for i in 0..<count {
            let v = Double(inputs[i])
            let exact = 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            // erf within 1e-6 contributes at most |x|/2 · 1e-6; plus float rounding of the result.
            let bound = 0.5e-6 * abs(v) + 2e-7 * max(1, abs(exact))
            if abs(Double(x[i]) - exact) > bound {
                XCTFail("GELU(\(v)) = \(x[i]), exact \(exact)")
                return
            }
        }
    }

    /// The vectorised sigmoid (`Elementwise.sigmoid`, `p2s_sigmoid`) against Double over a dense range,
    /// including the saturated tails (no NaN or infinity), on a buffer large enough to be split over the cores
    /// and with a length that is not a multiple of the vector width.
    func testSigmoidMatchesDoubleReference() {
        let count = 200_003
        var x = (0..<count).map { Float(-100 + 200 * Double($0) / Double(count - 1)) }
        let inputs = x
        x.withUnsafeMutableBufferPointer { Elementwise.sigmoid($0) }
        var worst = 0.0
        for i in 0..<count {
            let exact = 1 / (1 + Foundation.exp(-Double(inputs[i])))
            worst = max(worst, abs(Double(x[i]) - exact))
        }
        XCTAssertLessThan(worst, 3e-7, "max |sigmoid − exact| over [-100, 100]")
        XCTAssertEqual(x[0], 0, accuracy: 1e-30)
        XCTAssertEqual(x[count - 1], 1)
    }

    func testSoftmaxMatchesDoubleReference() {
        for cols in [1, 3, 16, 17, 49, 196, 257] {
            let rows = 5
            var x = values(rows * cols, seed: UInt64(cols), scale: 20)
            let inputs = x
            x.withUnsafeMutableBufferPointer { Normalization.softmaxRows($0.baseAddress!, rows: rows, cols: cols) }
            for r in 0..<rows {
                let row = inputs[(r * cols)..<((r + 1) * cols)].map(Double.init)
                let top = row.max()!
                let total = row.reduce(0) { $0 + Foundation.exp($1 - top) }
                for c in 0..<cols {
                    let exact = Foundation.exp(row[c] - top) / total
                    XCTAssertEqual(Double(x[r * cols + c]), exact, accuracy: 1e-6 * max(exact, 1e-3), "cols \(cols)")
                }
            }
        }
    }

    func testLayerNormMatchesDoubleReference() {
        for dim in [1, 7, 64, 160, 333] {
            let rows = 6
            let x = values(rows * dim, seed: UInt64(dim) + 9, scale: 4).map { $0 + 2 }
            let weight = values(dim, seed: 1)
            let bias = values(dim, seed: 2)
            var y = [Float](repeating: .nan, count: rows * dim)
            x.withUnsafeBufferPointer { xb in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        y.withUnsafeMutableBufferPointer {
                            Normalization.layerNorm(
                                xb.baseAddress!, rows: rows, dim: dim, weight: w, bias: b, eps: 1e-5,
                                output: $0.baseAddress!)
                        }
                    }
                }
            }
            for r in 0..<rows {
                let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
                let mean = row.reduce(0, +) / Double(dim)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(dim)
                for c in 0..<dim {
                    let exact = (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(weight[c]) + Double(bias[c])
                    XCTAssertEqual(Double(y[r * dim + c]), exact, accuracy: 2e-5 * max(1, abs(exact)), "dim \(dim)")
                }
            }
        }
    }

    func testDepthwiseMatchesDirectLoops() {
        for (height, width, channels, stride, gelu) in [
            (5, 7, 3, 1, false), (6, 5, 20, 2, true), (7, 7, 33, 2, false), (4, 9, 16, 1, true), (1, 1, 5, 1, false),
        ] {
            let input = values(height * width * channels, seed: UInt64(channels))
            let torchWeight = values(channels * 9, seed: 3)  // (C, 1, 3, 3)
            let bias = values(channels, seed: 4)
            let prepared = Convolution.prepareDepthwise3x3(torchWeight, channels: channels)
            let outH = Convolution.outputSide(height, stride: stride)
            let outW = Convolution.outputSide(width, stride: stride)
            var output = [Float](repeating: .nan, count: outH * outW * channels)
            input.withUnsafeBufferPointer { x in
                prepared.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer {
                            Convolution.depthwise3x3(
                                x.baseAddress!, height: height, width: width, channels: channels,
                                weight: w.baseAddress!, bias: b.baseAddress!, stride: stride, gelu: gelu,
                                output: $0.baseAddress!)
                        }
                    }
                }
            }
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for c in 0..<channels {
                        var sum = Double(bias[c])
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let (iy, ix) = (oy * stride + ky - 1, ox * stride + kx - 1)
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                sum +=
                                    Double(input[(iy * width + ix) * channels + c])
                                    * Double(torchWeight[c * 9 + ky * 3 + kx])
                            }
                        }
                        if gelu { sum = 0.5 * sum * (1 + Foundation.erf(sum / 2.0.squareRoot())) }
                        XCTAssertEqual(
                            Double(output[(oy * outW + ox) * channels + c]), sum, accuracy: 1e-5 * max(1, abs(sum)),
                            "\(height)x\(width)x\(channels) stride \(stride) at \(oy),\(ox),\(c)")
                    }
                }
            }
        }
    }

    func testFusedEpilogueEqualsUnfusedPath() {
        let (rows, inFeatures, outFeatures) = (37, 24, 40)
        let linear = Linear(
            weight: values(inFeatures * outFeatures, seed: 5, scale: 0.3), bias: values(outFeatures, seed: 6),
            inFeatures: inFeatures, outFeatures: outFeatures)
        let x = Tensor(shape: [rows, inFeatures], storage: values(rows * inFeatures, seed: 7))
        let residual = Tensor(shape: [rows, outFeatures], storage: values(rows * outFeatures, seed: 8))
        for (withResidual, gelu) in [(false, false), (false, true), (true, false), (true, true)] {
            var unfused = linear(x)
            if withResidual { unfused.add(residual) }
            if gelu { unfused.applyGELU() }
            let fused = linear.apply(x, adding: withResidual ? residual : nil, gelu: gelu)
            XCTAssertEqual(fused.shape, unfused.shape)
            XCTAssertLessThanOrEqual(
                fused.maxAbsDifference(unfused), 1e-6, "residual \(withResidual), gelu \(gelu)")
        }
        let noBias = Linear(weight: linear.weight, bias: nil, inFeatures: inFeatures, outFeatures: outFeatures)
        var plain = noBias(x)
        plain.add(residual)
        XCTAssertEqual(noBias.apply(x, adding: residual, gelu: false), plain)
    }

    func testKernelsAreBitReproducible() {
        let input = values(100_000, seed: 11, scale: 6)
        var a = input
        var b = input
        a.withUnsafeMutableBufferPointer { Elementwise.gelu($0) }
        b.withUnsafeMutableBufferPointer { Elementwise.gelu($0) }
        XCTAssertEqual(a, b)
        a.withUnsafeMutableBufferPointer { Normalization.softmaxRows($0.baseAddress!, rows: 400, cols: 250) }
        b.withUnsafeMutableBufferPointer { Normalization.softmaxRows($0.baseAddress!, rows: 400, cols: 250) }
        XCTAssertEqual(a, b)
    }
}
