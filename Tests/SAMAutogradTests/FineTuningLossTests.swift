import Foundation
import GradientChecking
import Optimisers
import SAMAutograd
import SAMTensor
import XCTest

/// The fine-tuning losses of U-MedSAM / AutoMedSAM: values against their formulas evaluated directly,
/// gradients against finite differences.
final class FineTuningLossTests: XCTestCase {
    func sigmoid(_ x: Float) -> Double { 1 / (1 + Foundation.exp(-Double(x))) }

    func testSquaredDiceValueAndGradient() {
        var generator = SeededGenerator(seed: 3)
        let logits = Tensor.random([2, 5, 4], in: -3...3, using: &generator)
        let targets = Tensor(shape: [2, 5, 4], storage: (0..<40).map { Float(($0 * 7) % 3 == 0 ? 1 : 0) })
        var expected = 0.0
        for b in 0..<2 {
            var i = 0.0
            var p2 = 0.0
            var y2 = 0.0
            for k in (b * 20)..<((b + 1) * 20) {
                let p = sigmoid(logits.storage[k])
                let y = Double(targets.storage[k])
                i += p * y
                p2 += p * p
                y2 += y * y
            }
            expected += 1 - (2 * i + 1e-5) / (p2 + y2 + 1e-5)
        }
        let graph = Graph()
        XCTAssertEqual(
            Double(Loss.squaredDice(logits: graph.constant(logits), targets: targets).scalar), expected / 2,
            accuracy: 1e-6)
        assertGradients([logits], absoluteTolerance: 1e-4) { _, v in Loss.squaredDice(logits: v[0], targets: targets) }
    }

    func testShapeDistanceValueAndGradient() {
        var generator = SeededGenerator(seed: 4)
        let logits = Tensor.random([2, 6, 3], in: -2...2, awayFromZero: 0.05, using: &generator)
        let map = Tensor(shape: [2, 6, 3], storage: (0..<36).map { $0 % 4 == 0 ? 0 : Float($0 % 5) / 5 })
        var expected = 0.0
        for b in 0..<2 {
            var a = 0.0
            var m = 1e-6
            for k in (b * 18)..<((b + 1) * 18) {
                let p = sigmoid(logits.storage[k])
                a += abs(Double(map.storage[k]) - p)
                m += p
            }
            expected += a / m
        }
        let graph = Graph()
        XCTAssertEqual(
            Double(Loss.shapeDistance(logits: graph.constant(logits), distanceMap: map).scalar), expected / 2,
            accuracy: 1e-5)
        assertGradients([logits], epsilon: 1e-3, absoluteTolerance: 2e-3) { _, v in
            Loss.shapeDistance(logits: v[0], distanceMap: map)
        }
    }

    func testUncertaintyWeightingBothFormsValueAndGradient() {
        for form in UncertaintyWeighting.allCases {
            let losses: [Float] = [0.7, 0.2, 1.3]
            let sigmas = Tensor(shape: [3], storage: [1, 0.8, 1.4])
            var expected = 0.0
            for m in 0..<3 {
                let s = Double(sigmas.storage[m])
                expected += 0.5 / (s * s) * Double(losses[m]) + (form == .code ? log(1 + s * s) : log(s))
            }
            let graph = Graph()
            let value = form.combine(
                losses.map { graph.constant(Tensor(shape: [], storage: [$0])) }, sigmas: graph.constant(sigmas))
            XCTAssertEqual(Double(value.scalar), expected, accuracy: 1e-5, "\(form)")
            let inputs = [Tensor(shape: [3], storage: losses), sigmas]
            assertGradients(inputs, epsilon: 1e-3, absoluteTolerance: 1e-3) { _, v in
                form.combine((0..<3).map { v[0].slice(alongAxis: 0, $0..<($0 + 1)).reshaped([]) }, sigmas: v[1])
            }
        }
        XCTAssertEqual(UncertaintyWeighting.weight(sigma: 1), 0.5)
    }
}

/// Sharpness-aware minimisation: the ascent has length ρ along the gradient, the second gradient is taken
/// at the perturbed point, and restoring returns the weights (to rounding).
final class SharpnessAwareMinimizationTests: XCTestCase {
    func testAscentRestoreAndSecondGradient() {
        // f(w) = Σ w⁴: ∇f = 4 w³.
        let w = Parameter("w", value: Tensor(shape: [3], storage: [0.5, -1.0, 2.0]))
        let original = w.value.storage
        func backward() {
            let graph = Graph()
            let v = graph.parameter(w)
            graph.backward(from: (v * v * v * v).sum())
        }
        backward()
        let g = original.map { 4 * $0 * $0 * $0 }
        XCTAssertEqual(w.gradient!.storage, g)
        let sam = SharpnessAwareMinimization(radius: 0.05)
        let perturbation = sam.ascend([w])
        XCTAssertNil(w.gradient)
        let norm = g.map { Double($0 * $0) }.reduce(0, +).squareRoot()
        XCTAssertEqual(perturbation.gradientNorm, norm, accuracy: 1e-9)
        let moved = zip(w.value.storage, original).map { Double($0 - $1) }
        XCTAssertEqual(moved.map { $0 * $0 }.reduce(0, +).squareRoot(), 0.05, accuracy: 1e-6)
        for (step, gi) in zip(moved, g) { XCTAssertEqual(step, 0.05 * Double(gi) / norm, accuracy: 1e-6) }
        backward()
        let perturbed = w.value.storage
        sam.restore(perturbation)
        for (a, b) in zip(w.value.storage, original) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (gi, p) in zip(w.gradient!.storage, perturbed) { XCTAssertEqual(gi, 4 * p * p * p, accuracy: 1e-4) }
        // A zero gradient moves nothing.
        w.zeroGradient()
        w.gradient = Tensor(shape: [3], storage: [0, 0, 0])
        let none = sam.ascend([w])
        XCTAssertEqual(none.gradientNorm, 0)
        for (a, b) in zip(w.value.storage, original) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
}
