import Foundation
import GradientChecking
import Optimisers
import SAMAutograd
import SAMTensor
import XCTest

final class OptimizerTests: XCTestCase {
    let gradients = [Reference.adamGradient0, Reference.adamGradient1, Reference.adamGradient2]

    /// Three steps of Adam and of AdamW (lr 0.01, weight decay 0.1) against the float64 NumPy
    /// implementation of PyTorch's update in `make_reference.py`; tolerance 1e-6 absolute.
    func testAdamAndAdamWMatchReference() {
        for (decay, expected) in [
            (Float(0), [Reference.adamStep1, Reference.adamStep2, Reference.adamStep3]),
            (Float(0.1), [Reference.adamWStep1, Reference.adamWStep2, Reference.adamWStep3]),
        ] {
            let p = Parameter("w", value: Tensor(shape: [5], storage: Reference.adamStart))
            let optimizer =
                decay == 0 ? Adam([p], learningRate: 0.01) : Adam.adamW([p], learningRate: 0.01, weightDecay: decay)
            for step in 0..<3 {
                p.gradient = Tensor(shape: [5], storage: gradients[step])
                optimizer.step()
                for i in 0..<5 {
                    XCTAssertEqual(
                        p.value.storage[i], expected[step][i], accuracy: 1e-6, "decay \(decay) step \(step + 1) [\(i)]")
                }
            }
            XCTAssertEqual(optimizer.stepCount(of: p), 3)
        }
    }

    func testGroupsFrozenAndGradientlessParameters() {
        let fast = Parameter("fast", value: Tensor(shape: [1], storage: [1]))
        let slow = Parameter("slow", value: Tensor(shape: [1], storage: [1]))
        let frozen = Parameter("frozen", value: Tensor(shape: [1], storage: [1]), requiresGradient: false)
        let idle = Parameter("idle", value: Tensor(shape: [1], storage: [1]))
        let optimizer = Adam(groups: [
            ParameterGroup([fast, frozen], learningRate: 0.1, weightDecay: 0.5),
            ParameterGroup([slow, idle], learningRate: 0.01),
        ])
        for p in [fast, slow, frozen] { p.gradient = Tensor(shape: [1], storage: [2]) }
        optimizer.step()
        // First Adam step moves by lr·sign(g); decoupled decay multiplies by 1 − lr·λ first.
        XCTAssertEqual(fast.value.storage[0], 1 * (1 - 0.05) - 0.1, accuracy: 1e-6)
        XCTAssertEqual(slow.value.storage[0], 1 - 0.01, accuracy: 1e-6)
        XCTAssertEqual(frozen.value.storage[0], 1)
        XCTAssertEqual(idle.value.storage[0], 1)
        XCTAssertEqual(optimizer.stepCount(of: frozen), 0)
        optimizer.zeroGradients()
        XCTAssertNil(fast.gradient)
    }

    /// A row scale: the scaled rows step exactly as an optimiser of rate lr · S (AdamW decay included), the others
    /// as one of rate lr; S = 0 keeps the rows; S = 1 is no scale at all.
    func testRowLearningRateScale() {
        let start = (0..<12).map { Float(sin(Double($0) * 1.7 + 0.3)) }
        let gradients = (0..<3).map { s in (0..<12).map { Float(cos(Double($0 * 5 + s) * 0.9)) } }
        for (scale, decay) in [(Float(0.1), Float(0)), (0.25, 0.1), (0, 0)] {
            let p = Parameter("w", value: Tensor(shape: [4, 3], storage: start))
            let plain = Parameter("plain", value: Tensor(shape: [4, 3], storage: start))
            let slow = Parameter("slow", value: Tensor(shape: [4, 3], storage: start))
            let optimizer = Adam(groups: [ParameterGroup([p], learningRate: 0.05, weightDecay: decay)])
            optimizer.scaleLearningRate(of: p, rows: 2..<4, by: scale)
            XCTAssertEqual(optimizer.learningRateScale(of: p), RowLearningRateScale(rows: 2..<4, scale: scale))
            let plainOptimizer = Adam(groups: [ParameterGroup([plain], learningRate: 0.05, weightDecay: decay)])
            let slowOptimizer = Adam(groups: [ParameterGroup([slow], learningRate: 0.05 * scale, weightDecay: decay)])
            for g in gradients {
                for q in [p, plain, slow] { q.gradient = Tensor(shape: [4, 3], storage: g) }
                for o in [optimizer, plainOptimizer, slowOptimizer] { o.step() }
            }
            XCTAssertEqual(Array(p.value.storage[0..<6]), Array(plain.value.storage[0..<6]), "scale \(scale)")
            XCTAssertEqual(Array(p.value.storage[6..<12]), Array(slow.value.storage[6..<12]), "scale \(scale)")
            if scale == 0 { XCTAssertEqual(Array(p.value.storage[6..<12]), Array(start[6..<12])) }
            XCTAssertNotEqual(Array(p.value.storage[0..<6]), Array(start[0..<6]))
        }
        // Scale 1 removes the scale: the plain update.
        let p = Parameter("b", value: Tensor(shape: [4]))
        let optimizer = Adam([p], learningRate: 0.1)
        optimizer.scaleLearningRate(of: p, rows: 0..<2, by: 0.5)
        optimizer.scaleLearningRate(of: p, rows: 0..<2, by: 1)
        XCTAssertNil(optimizer.learningRateScale(of: p))
        XCTAssertTrue(RowLearningRateScale.isAllowed(0))
        XCTAssertFalse(RowLearningRateScale.isAllowed(-0.5))
        XCTAssertFalse(RowLearningRateScale.isAllowed(.nan))
        XCTAssertFalse(RowLearningRateScale.isAllowed(.infinity))
    }

    func testClippingByGlobalNorm() {
        let a = Parameter("a", value: Tensor(shape: [2]))
        let b = Parameter("b", value: Tensor(shape: [1]))
        a.gradient = Tensor(shape: [2], storage: [3, 0])
        b.gradient = Tensor(shape: [1], storage: [4])
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([a, b], maxNorm: 10), 5, accuracy: 1e-9)
        XCTAssertEqual(a.gradient!.storage, [3, 0], "below the limit: unchanged")
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([a, b], maxNorm: 1), 5, accuracy: 1e-9)
        XCTAssertEqual(GradientClipping.globalNorm(of: [a, b]), 1, accuracy: 1e-5)
        XCTAssertEqual(a.gradient!.storage[0], 0.6, accuracy: 1e-5)
    }

    /// A 2-16-1 MLP (tanh-free: GELU hidden layer) learns XOR-like quadrants with AdamW:
    /// the BCE loss must drop by at least 20x in 300 full-batch steps.
    func testTwoLayerPerceptronFitsQuadrants() {
        var generator = SeededGenerator(seed: 99)
        let n = 64
        let points = Tensor.random([n, 2], awayFromZero: 0.15, using: &generator)
        let labels = Tensor(
            shape: [n, 1],
            storage: (0..<n).map { i in
                (points.storage[2 * i] > 0) != (points.storage[2 * i + 1] > 0) ? 1 : 0
            })
        let w1 = Parameter("mlp.0.weight", value: Tensor.random([16, 2], using: &generator))
        let b1 = Parameter("mlp.0.bias", value: Tensor(shape: [16]))
        let w2 = Parameter("mlp.1.weight", value: Tensor.random([1, 16], in: -0.25...0.25, using: &generator))
        let b2 = Parameter("mlp.1.bias", value: Tensor(shape: [1]))
        let parameters = [w1, b1, w2, b2]
        let optimizer = Adam.adamW(parameters, learningRate: 0.05, weightDecay: 1e-4)
        var first: Float = 0
        var last: Float = 0
        for step in 0..<300 {
            let graph = Graph()
            let x = graph.constant(points)
            let hidden = (x.linear(weight: graph.parameter(w1), bias: graph.parameter(b1))).gelu()
            let logits = hidden.linear(weight: graph.parameter(w2), bias: graph.parameter(b2))
            let loss = Loss.binaryCrossEntropy(logits: logits, targets: labels)
            optimizer.zeroGradients()
            graph.backward(from: loss)
            XCTAssertNoThrow(try NumericGuard.check(loss: loss, gradientsOf: parameters))
            GradientClipping.clipByGlobalNorm(parameters, maxNorm: 5)
            optimizer.step()
            if step == 0 { first = loss.scalar }
            last = loss.scalar
        }
        XCTAssertLessThan(last, first / 20, "loss \(first) → \(last)")
    }

    /// Logistic regression on separable 1-D data with L2 as a loss term (plain Adam).
    func testLogisticRegressionWithL2Term() {
        let xs = Tensor(shape: [8, 1], storage: [-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2])
        let ys = Tensor(shape: [8, 1], storage: [0, 0, 0, 0, 1, 1, 1, 1])
        let w = Parameter("w", value: Tensor(shape: [1, 1]))
        let b = Parameter("b", value: Tensor(shape: [1]))
        let optimizer = Adam([w, b], learningRate: 0.1)
        var losses: [Float] = []
        for _ in 0..<100 {
            let graph = Graph()
            let logits = graph.constant(xs).linear(weight: graph.parameter(w), bias: graph.parameter(b))
            let data = Loss.binaryCrossEntropy(logits: logits, targets: ys)
            let loss = data + Loss.l2Penalty([w], in: graph, coefficient: 1e-3)
            optimizer.zeroGradients()
            graph.backward(from: loss)
            optimizer.step()
            losses.append(data.scalar)
        }
        XCTAssertLessThan(losses.last!, losses.first! / 5)
        XCTAssertGreaterThan(w.value.storage[0], 1)
    }
}

final class NumericGuardTests: XCTestCase {
    func testDetectsNonFiniteLossAndGradients() {
        XCTAssertNoThrow(try NumericGuard.check(loss: 0.5))
        XCTAssertThrowsError(try NumericGuard.check(loss: .nan))
        let p = Parameter("mask_decoder.iou_token.weight", value: Tensor(shape: [3]))
        p.gradient = Tensor(shape: [3], storage: [0, .infinity, .nan])
        XCTAssertThrowsError(try NumericGuard.checkGradients(of: [p])) { error in
            let e = error as? NonFiniteValueError
            XCTAssertEqual(e?.location, "gradient of mask_decoder.iou_token.weight")
            XCTAssertEqual(e?.index, 1)
            XCTAssertEqual(e?.count, 2)
            XCTAssertTrue("\(error)".contains("mask_decoder.iou_token.weight"))
        }
        // Through a graph: log of a negative input clamps (finite), but 0 · inf is NaN.
        let graph = Graph()
        let q = Parameter("q", value: Tensor(shape: [1], storage: [.infinity]))
        let loss = (graph.parameter(q) * 0).sum()
        XCTAssertThrowsError(try NumericGuard.check(loss: loss, gradientsOf: [q]))
        q.value = Tensor(shape: [1], storage: [.nan])
        XCTAssertThrowsError(try NumericGuard.checkValues(of: [q]))
    }
}
