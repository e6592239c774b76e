import GradientChecking
import SAMAutograd
import SAMTensor
import XCTest

/// Loss values against the NumPy references of `make_reference.py` (relative tolerance 1e-5, the
/// float32 evaluation of exp/log1p) and loss gradients against finite differences (ε = 1e-2,
/// `|a − n| ≤ 1e-4 + 1e-2 |n|`, since the losses are means of small terms).
final class LossTests: XCTestCase {
    let shape = [2, 3, 4]
    var logits: Tensor { Tensor(shape: shape, storage: Reference.logits) }
    var targets: Tensor { Tensor(shape: shape, storage: Reference.targets) }
    var soft: Tensor { Tensor(shape: shape, storage: Reference.softTargets) }

    func value(_ f: (Graph) -> Variable) -> Double {
        let graph = Graph()
        return Double(f(graph).scalar)
    }

    func assertClose(_ a: Double, _ b: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), what, file: file, line: line)
    }

    func testValuesMatchNumPy() {
        assertClose(
            value { Loss.binaryCrossEntropy(logits: $0.constant(logits), targets: targets) }, Reference.bce, "bce")
        assertClose(
            value { Loss.binaryCrossEntropy(logits: $0.constant(logits), targets: soft) }, Reference.bceSoft, "bce soft"
        )
        assertClose(value { Loss.dice(logits: $0.constant(logits), targets: targets) }, Reference.dice, "dice")
        assertClose(value { Loss.dice(logits: $0.constant(logits), targets: soft) }, Reference.diceSoft, "dice soft")
        assertClose(value { Loss.focal(logits: $0.constant(logits), targets: targets) }, Reference.focal, "focal")
        assertClose(
            value { Loss.focal(logits: $0.constant(logits), targets: targets, alpha: 0.25) }, Reference.focalAlpha,
            "focal α")
        let prediction = Tensor(shape: [3, 5], storage: Reference.prediction)
        let truth = Tensor(shape: [3, 5], storage: Reference.truth)
        assertClose(value { Loss.meanSquaredError($0.constant(prediction), target: truth) }, Reference.mse, "mse")
        let w1 = Tensor(shape: [4, 3], storage: Reference.l2First)
        let w2 = Tensor(shape: [5], storage: Reference.l2Second)
        assertClose(
            value { Loss.l2Penalty([$0.constant(w1), $0.constant(w2)], coefficient: 0.05) }, Reference.l2, "l2")
    }

    func testGradientsMatchFiniteDifferences() {
        let t = targets
        let s = soft
        func check(_ inputs: [Tensor], _ f: @escaping (Graph, [Variable]) -> Variable, line: UInt = #line) {
            assertGradients(inputs, absoluteTolerance: 1e-4, line: line, f)
        }
        check([logits]) { _, v in Loss.binaryCrossEntropy(logits: v[0], targets: t) }
        check([logits]) { _, v in Loss.binaryCrossEntropy(logits: v[0], targets: s) }
        check([logits]) { _, v in Loss.dice(logits: v[0], targets: t) }
        check([logits]) { _, v in Loss.dice(logits: v[0], targets: s, smoothing: 0.5) }
        check([logits]) { _, v in Loss.focal(logits: v[0], targets: t) }
        check([logits]) { _, v in Loss.focal(logits: v[0], targets: s, gamma: 1.5, alpha: 0.25) }
        let prediction = Tensor(shape: [3, 5], storage: Reference.prediction)
        let truth = Tensor(shape: [3, 5], storage: Reference.truth)
        check([prediction, truth]) { _, v in Loss.meanSquaredError(v[0], v[1]) }
        let w1 = Tensor(shape: [4, 3], storage: Reference.l2First)
        let w2 = Tensor(shape: [5], storage: Reference.l2Second)
        check([w1, w2]) { _, v in Loss.l2Penalty(v, coefficient: 0.05) }
    }

    func testDiceLimits() {
        // s = 1: an empty target with an empty (confidently negative) prediction costs ~0.
        let empty = Tensor(shape: [1, 16, 16])
        let veryNegative = Tensor(shape: [1, 16, 16], repeating: -20)
        XCTAssertLessThan(value { Loss.dice(logits: $0.constant(veryNegative), targets: empty) }, 1e-5)
        // Perfect overlap → ~0; disjoint halves → 1 − 1/(128 + 128 + 1) ≈ 0.996.
        let half = Tensor(shape: [1, 16, 16], storage: (0..<256).map { $0 < 128 ? 1 : 0 })
        let matching = Tensor(shape: [1, 16, 16], storage: half.storage.map { $0 == 1 ? 20 : -20 })
        let opposite = Tensor(shape: [1, 16, 16], storage: half.storage.map { $0 == 1 ? -20 : 20 })
        XCTAssertLessThan(value { Loss.dice(logits: $0.constant(matching), targets: half) }, 1e-5)
        XCTAssertGreaterThan(value { Loss.dice(logits: $0.constant(opposite), targets: half) }, 0.99)
        XCTAssertEqual(value { Loss.dice(logits: $0.constant(opposite), targets: half) }, 1 - 1.0 / 257, accuracy: 1e-5)
        // Per item: an empty/empty item and a perfect item average to ~0.
        let both = Tensor(shape: [2, 16, 16], storage: veryNegative.storage + matching.storage)
        let bothTargets = Tensor(shape: [2, 16, 16], storage: empty.storage + half.storage)
        XCTAssertLessThan(value { Loss.dice(logits: $0.constant(both), targets: bothTargets) }, 1e-5)
    }

    func testLogitLossesStayFiniteForExtremeLogits() {
        let extreme = Tensor(shape: [1, 4], storage: [-200, -30, 30, 200])
        let labels = Tensor(shape: [1, 4], storage: [1, 0, 1, 0])
        for loss in [
            { (v: Variable) in Loss.binaryCrossEntropy(logits: v, targets: labels) },
            { (v: Variable) in Loss.focal(logits: v, targets: labels, alpha: 0.25) },
            { (v: Variable) in Loss.dice(logits: v, targets: labels) },
        ] {
            let graph = Graph()
            let p = Parameter("x", value: extreme)
            let l = loss(graph.parameter(p))
            graph.backward(from: l)
            XCTAssertTrue(l.scalar.isFinite)
            XCTAssertTrue(p.gradient!.storage.allSatisfy(\.isFinite))
        }
        // BCE of logit −200 with label 1 is 200 (not inf), averaged with the others.
        XCTAssertEqual(
            value { Loss.binaryCrossEntropy(logits: $0.constant(extreme), targets: labels) }, (200 + 0 + 0 + 200) / 4,
            accuracy: 1e-3)
    }

    func testFocalWithGammaZeroIsBCE() {
        let a = value { Loss.focal(logits: $0.constant(logits), targets: soft, gamma: 0) }
        assertClose(a, Reference.bceSoft, "focal γ=0")
    }
}
