import GradientChecking
import SAMAutograd
import SAMTensor
import XCTest

/// The energy-distance set loss: its value against a direct evaluation of the formula, its gradient
/// against finite differences, and the property it exists for (a diverse set beats the mean).
final class EnergyDistanceLossTests: XCTestCase {
    func loss(_ logits: Tensor, _ raters: Tensor) -> Double {
        let graph = Graph()
        return Double(Loss.energyDistance(logits: graph.constant(logits), raters: raters).scalar)
    }

    /// `d(a, b)` and the loss evaluated literally, in Double, from the formula in the doc comment.
    func literal(_ logits: Tensor, _ raters: Tensor) -> Double {
        let (k, m, n) = (logits.shape[0], raters.shape[0], logits.shape[1])
        let p = logits.storage.map { 1 / (1 + exp(-Double($0))) }
        let g = raters.storage.map(Double.init)
        func d(_ a: ArraySlice<Double>, _ b: ArraySlice<Double>) -> Double {
            let i = zip(a, b).map { $0 * $1 }.reduce(0, +)
            return 1 - (i + 1) / (a.reduce(0, +) + b.reduce(0, +) - i + 1)
        }
        func row(_ v: [Double], _ r: Int) -> ArraySlice<Double> { v[(r * n)..<((r + 1) * n)] }
        var attraction = 0.0
        var repulsion = 0.0
        for s in 0..<k { for j in 0..<m { attraction += d(row(p, s), row(g, j)) } }
        for s in 0..<k { for t in 0..<k where t != s { repulsion += d(row(p, s), row(p, t)) } }
        return attraction / Double(k * m) - (k > 1 ? repulsion / Double(2 * k * (k - 1)) : 0)
    }

    func testValueMatchesTheFormula() {
        var generator = SeededGenerator(seed: 11)
        let logits = Tensor.random([3, 10], in: -3...3, using: &generator)
        let raters = Tensor(
            shape: [2, 10], storage: (0..<20).map { [0, 3, 4, 7, 11, 12, 13, 18].contains($0) ? 1 : 0 })
        XCTAssertEqual(loss(logits, raters), literal(logits, raters), accuracy: 1e-6)
        let one = Tensor(shape: [1, 10], storage: Array(logits.storage[0..<10]))
        XCTAssertEqual(loss(one, raters), literal(one, raters), accuracy: 1e-6, "K = 1: attraction only")
    }

    func testGradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 12)
        let logits = Tensor.random([4, 9], in: -2...2, using: &generator)
        let raters = Tensor(shape: [3, 9], storage: (0..<27).map { ($0 * 7) % 5 < 2 ? 1 : 0 })
        assertGradients([logits], absoluteTolerance: 1e-4) { _, v in Loss.energyDistance(logits: v[0], raters: raters) }
        let oneSample = Tensor.random([1, 9], in: -2...2, using: &generator)
        assertGradients([oneSample], absoluteTolerance: 1e-4) { _, v in
            Loss.energyDistance(logits: v[0], raters: raters)
        }
    }

    func testEmptySamplesAgainstEmptyRatersCostNothing() {
        let logits = Tensor(shape: [2, 64], repeating: -30)
        XCTAssertEqual(loss(logits, Tensor(shape: [3, 64])), 0, accuracy: 1e-9)
    }

    /// Two raters who disagree: the two samples that copy them score lower than two copies of their
    /// union or of their intersection, which is the point of the loss.
    func testDiverseSetBeatsCollapsedSet() {
        let left = (0..<16).map { $0 % 4 < 2 ? Float(1) : 0 }
        let right = (0..<16).map { $0 % 4 >= 1 && $0 % 4 < 3 ? Float(1) : 0 }
        let raters = Tensor(shape: [2, 16], storage: left + right)
        func logits(_ masks: [[Float]]) -> Tensor {
            Tensor(shape: [masks.count, 16], storage: masks.flatMap { $0.map { $0 > 0 ? 30 : -30 } })
        }
        let union = zip(left, right).map { max($0, $1) }
        let intersection = zip(left, right).map { min($0, $1) }
        let diverse = loss(logits([left, right]), raters)
        XCTAssertLessThan(diverse, loss(logits([union, union]), raters))
        XCTAssertLessThan(diverse, loss(logits([intersection, intersection]), raters))
        XCTAssertLessThan(diverse, loss(logits([left, left]), raters))
    }
}
