import GradientChecking
import SAMAutograd
import SAMTensor
import XCTest

/// Finite-difference checks of every primitive's derivative rule.
///
/// Unless stated otherwise: central differences with ε = 1e-2 on float32 forwards, the scalar
/// `Σ R ⊙ output` accumulated in Double, and tolerance `|analytic − numeric| ≤ 1e-3 + 1e-2 |numeric|`
/// per entry. Inputs are seeded uniform values in [−1, 1] (kept ≥ 0.1 from kinks where needed).
final class PrimitiveGradientTests: XCTestCase {
    var generator = SeededGenerator(seed: 2024)

    func random(_ shape: [Int], in range: ClosedRange<Float> = -1...1, awayFromZero: Float = 0) -> Tensor {
        Tensor.random(shape, in: range, awayFromZero: awayFromZero, using: &generator)
    }

    // MARK: checker self-test

    /// The checker must flag a derivative rule that is off by a factor of 2, and one that is off by
    /// a small additive 0.05 on one entry.
    func testCheckerDetectsWrongGradient() {
        let x = random([3, 4])
        let doubled = GradientChecker.check([x]) { graph, v in
            let input = v[0]
            return graph.record(input.value, inputs: [input]) { graph, g in
                graph.accumulate(Tensor(shape: g.shape, storage: g.storage.map { 2 * $0 }), into: input)
            }
        }
        XCTAssertFalse(doubled.passed, "a doubled gradient went unnoticed: \(doubled.worst)")
        let nudged = GradientChecker.check([x]) { graph, v in
            let input = v[0]
            return graph.record(input.value, inputs: [input]) { graph, g in
                var wrong = g
                wrong.storage[5] += 0.05
                graph.accumulate(wrong, into: input)
            }
        }
        XCTAssertFalse(nudged.passed, "a wrong entry went unnoticed")
        // The correct identity rule passes.
        let identity = GradientChecker.check([x]) { graph, v in
            let input = v[0]
            return graph.record(input.value, inputs: [input]) { graph, g in graph.accumulate(g, into: input) }
        }
        XCTAssertTrue(identity.passed, identity.worst)
    }

    // MARK: element-wise arithmetic

    func testAddSubMulSameShape() {
        let a = random([2, 3, 4])
        let b = random([2, 3, 4])
        assertGradients([a, b]) { _, v in v[0] + v[1] }
        assertGradients([a, b]) { _, v in v[0] - v[1] }
        assertGradients([a, b]) { _, v in v[0] * v[1] }
    }

    func testBroadcastTrailingDimensions() {
        let a = random([2, 3, 4])
        let bias = random([4])
        let plane = random([3, 4])
        assertGradients([a, bias]) { _, v in v[0] + v[1] }
        assertGradients([bias, a]) { _, v in v[0] - v[1] }
        assertGradients([a, plane]) { _, v in v[0] * v[1] }
        assertGradients([plane, a]) { _, v in v[0] * v[1] }
    }

    func testBroadcastBatchOneAndGeneral() {
        let a = random([3, 2, 4])
        let shared = random([1, 2, 4])
        assertGradients([a, shared]) { _, v in v[0] + v[1] }
        assertGradients([a, shared]) { _, v in v[0] * v[1] }
        // General (non-periodic) broadcasting: [B, 1, C] with [1, N, C], and a per-row scale [B, N, 1].
        let column = random([3, 1, 4])
        let row = random([1, 2, 4])
        let scale = random([3, 2, 1])
        assertGradients([column, row]) { _, v in v[0] * v[1] }
        assertGradients([a, scale]) { _, v in v[0] * v[1] - v[1] }
    }

    func testScalarOperations() {
        let a = random([5, 3])
        assertGradients([a]) { _, v in v[0] * 2.5 + 0.75 }
        assertGradients([a]) { _, v in -v[0] - 1 }
    }

    // MARK: reductions

    func testSumAndMean() {
        let a = random([2, 3, 4])
        assertGradients([a]) { _, v in v[0].sum() }
        assertGradients([a]) { _, v in v[0].mean() }
        for axis in [0, 1, 2, -1] {
            assertGradients([a]) { _, v in v[0].sum(alongAxis: axis) }
            assertGradients([a]) { _, v in v[0].mean(alongAxis: axis, keepingDimension: true) }
        }
    }

    // MARK: shapes and indexing

    func testReshapePermuteTranspose() {
        let a = random([2, 3, 4])
        assertGradients([a]) { _, v in v[0].reshaped([6, 4]) * v[0].reshaped([6, -1]) }
        assertGradients([a]) { _, v in v[0].permuted([2, 0, 1]) }
        assertGradients([a]) { _, v in v[0].transposedLastTwo() }
        // Attention head split: [B, N, H·d] → [B, H, N, d].
        let tokens = random([2, 3, 6])
        assertGradients([tokens]) { _, v in v[0].reshaped([2, 3, 2, 3]).permuted([0, 2, 1, 3]) }
    }

    func testSliceConcatGather() {
        let a = random([2, 5, 3])
        let b = random([2, 2, 3])
        assertGradients([a]) { _, v in v[0].slice(alongAxis: 1, 1..<4) }
        assertGradients([a]) { _, v in v[0].slice(alongAxis: -1, 0..<2) }
        assertGradients([a, b]) { _, v in Variable.concatenate([v[0], v[1], v[0]], alongAxis: 1) }
        assertGradients([a, b]) { _, v in Variable.concatenate([v[0].slice(alongAxis: 1, 0..<2), v[1]], alongAxis: 2) }
        assertGradients([a]) { _, v in v[0].gather([4, 0, 0, 2], alongAxis: 1) }
        let graph = Graph()
        XCTAssertEqual(graph.constant(a).gather([4, 0], alongAxis: 1).shape, [2, 2, 3])
    }

    // MARK: products

    func testLinear() {
        let x = random([2, 3, 5])
        let w = random([4, 5])
        let b = random([4])
        assertGradients([x, w, b]) { _, v in v[0].linear(weight: v[1], bias: v[2]) }
        assertGradients([x, w]) { _, v in v[0].linear(weight: v[1]) }
    }

    func testLinearLargeRowsUsesParallelGEMM() {
        // Enough rows that GEMM splits over workers in both directions; sparse entry sampling.
        let x = random([300, 40])
        let w = random([200, 40])
        let report = GradientChecker.check([x, w], maximumEntriesPerInput: 40) { _, v in v[0].linear(weight: v[1]) }
        XCTAssertTrue(report.passed, report.worst)
    }

    func testMatmulVariants() {
        let q = random([2, 3, 4])
        let k = random([2, 5, 4])
        let p = random([2, 3, 5])
        let v5 = random([2, 5, 4])
        assertGradients([q, k]) { _, v in Variable.matmul(v[0], v[1], transposeB: true) }  // [B,N,d]x[B,M,d]ᵀ
        assertGradients([p, v5]) { _, v in Variable.matmul(v[0], v[1]) }  // P x V
        let shared = random([1, 5, 4])
        let matrix = random([4, 6])
        assertGradients([q, shared]) { _, v in Variable.matmul(v[0], v[1], transposeB: true) }  // batch-1 keys
        assertGradients([q, matrix]) { _, v in Variable.matmul(v[0], v[1]) }  // rank-2 right
        let a = random([4, 3])
        let b = random([4, 2])
        assertGradients([a, b]) { _, v in Variable.matmul(v[0], v[1], transposeA: true) }
        // [5,3]x[3,4]
        assertGradients([p, q]) { _, v in Variable.matmul(v[0], v[1], transposeA: true).reshaped([2, 1, -1]) }
        let bt = random([2, 4, 3])
        // [5,3]x[3,4]
        assertGradients([p, bt]) { _, v in Variable.matmul(v[0], v[1], transposeA: true, transposeB: true) }
    }

    // MARK: non-linearities

    func testActivations() {
        let x = random([3, 7], in: -3...3, awayFromZero: 0.1)
        assertGradients([x]) { _, v in v[0].relu() }
        assertGradients([x]) { _, v in v[0].gelu() }
        assertGradients([x]) { _, v in v[0].sigmoid() }
        assertGradients([x]) { _, v in v[0].exp() }
        let positive = random([3, 7], in: 0.5...3)
        assertGradients([positive]) { _, v in v[0].log() }
        // Clamped region: zero gradient below the minimum.
        let graph = Graph()
        let p = Parameter("p", value: Tensor(shape: [2], storage: [0, 2]))
        graph.backward(from: graph.parameter(p).log(minimum: 1e-6).sum())
        XCTAssertEqual(p.gradient?.storage ?? [], [0, 0.5])
    }

    func testSoftmaxAndLayerNorm() {
        let x = random([2, 3, 6], in: -2...2)
        assertGradients([x]) { _, v in v[0].softmax() }
        let w = random([6])
        let b = random([6])
        assertGradients([x, w, b]) { _, v in v[0].layerNorm(weight: v[1], bias: v[2], eps: 1e-5) }
        assertGradients([x, w, b]) { _, v in v[0].layerNorm(weight: v[1], bias: v[2], eps: 1e-6) }
    }

    // MARK: convolutions and spatial ops

    func testConvolution2D() {
        let x = random([2, 5, 6, 3])
        let w3 = random([4, 3, 3, 3])
        let b = random([4])
        assertGradients([x, w3, b]) { _, v in v[0].conv2d(weight: v[1], bias: v[2], stride: 1, padding: 1) }
        assertGradients([x, w3, b]) { _, v in v[0].conv2d(weight: v[1], bias: v[2], stride: 2, padding: 1) }
        assertGradients([x, w3]) { _, v in v[0].conv2d(weight: v[1], stride: 1, padding: 0) }
        let w1 = random([4, 1, 1, 3])
        assertGradients([x, w1, b]) { _, v in v[0].conv2d(weight: v[1], bias: v[2]) }
        let image = random([4, 4, 3])
        let w2 = random([2, 2, 2, 3])
        assertGradients([image, w2]) { _, v in v[0].conv2d(weight: v[1], stride: 2) }
    }

    func testConvolutionMatchesDirectSum() {
        // The forward against a naive loop (the FD check alone would accept a wrong but self-consistent op).
        let x = random([1, 4, 5, 2])
        let w = random([3, 3, 3, 2])
        let graph = Graph()
        let y = graph.constant(x).conv2d(weight: graph.constant(w), stride: 2, padding: 1).value
        XCTAssertEqual(y.shape, [1, 2, 3, 3])
        for oy in 0..<2 {
            for ox in 0..<3 {
                for o in 0..<3 {
                    var sum: Float = 0
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let iy = oy * 2 + ky - 1
                            let ix = ox * 2 + kx - 1
                            guard iy >= 0, iy < 4, ix >= 0, ix < 5 else { continue }
                            for c in 0..<2 {
                                sum += x.storage[(iy * 5 + ix) * 2 + c] * w.storage[((o * 3 + ky) * 3 + kx) * 2 + c]
                            }
                        }
                    }
                    XCTAssertEqual(y.storage[(oy * 3 + ox) * 3 + o], sum, accuracy: 1e-5)
                }
            }
        }
    }

    func testTransposedConvolution() {
        let x = random([2, 3, 2, 4])
        let w = random([4, 3, 2, 2])
        let b = random([3])
        assertGradients([x, w, b]) { _, v in v[0].transposedConv2x2(weight: v[1], bias: v[2]) }
        // Forward against SAMTensor's inference kernel (which takes the prepared weight layout).
        let image = random([3, 2, 4])
        let graph = Graph()
        let y = graph.constant(image).transposedConv2x2(weight: graph.constant(w), bias: graph.constant(b)).value
        var reference = [Float](repeating: 0, count: 6 * 4 * 3)
        let prepared = Convolution.prepareTransposed2x2(w.storage, inChannels: 4, outChannels: 3)
        Convolution.transposed2x2(
            image.storage, height: 3, width: 2, inChannels: 4, weight: prepared,
            bias: b.storage, outChannels: 3, output: &reference)
        XCTAssertLessThan(y.maxAbsDifference(Tensor(shape: [6, 4, 3], storage: reference)), 1e-5)
    }

    func testPoolingAndTiling() {
        let x = random([2, 3, 4, 5])
        assertGradients([x]) { _, v in v[0].globalMeanPool() }
        let z = random([2, 5])
        let vector = random([5])
        assertGradients([z]) { _, v in v[0].tiled(height: 3, width: 2) }
        assertGradients([vector]) { _, v in v[0].tiled(height: 2, width: 2) }
        let graph = Graph()
        XCTAssertEqual(graph.constant(vector).tiled(height: 2, width: 3).shape, [2, 3, 5])
    }

    // MARK: a composite

    func testTwoHeadAttentionComposite() {
        let tokens = random([2, 3, 4])
        let keys = random([1, 5, 4])
        let wq = random([4, 4])
        let wk = random([4, 4])
        let wv = random([4, 4])
        assertGradients([tokens, keys, wq, wk, wv]) { _, v in
            func heads(_ x: Variable, _ n: Int, _ b: Int) -> Variable {
                x.reshaped([b, n, 2, 2]).permuted([0, 2, 1, 3]).reshaped([b * 2, n, 2])
            }
            let q = heads(v[0].linear(weight: v[2]), 3, 2)
            let kv = Variable.concatenate([v[1], v[1]], alongAxis: 0)
            let k = heads(kv.linear(weight: v[3]), 5, 2)
            let value = heads(kv.linear(weight: v[4]), 5, 2)
            let p = (Variable.matmul(q, k, transposeB: true) * 0.7071).softmax()
            return Variable.matmul(p, value).reshaped([2, 2, 3, 2]).permuted([0, 2, 1, 3]).reshaped([2, 3, 4]).gelu()
        }
    }
}
