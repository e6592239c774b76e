import SAMAutograd
import SAMTensor
import XCTest

final class GraphTests: XCTestCase {
    func testFrozenParametersAndConstantsGetNoGradient() {
        let trained = Parameter("a.weight", value: Tensor(shape: [2], storage: [1, 2]))
        let frozen = Parameter("b.weight", value: Tensor(shape: [2], storage: [3, 4]), requiresGradient: false)
        let graph = Graph()
        let a = graph.parameter(trained)
        let b = graph.parameter(frozen)
        let c = graph.constant(Tensor(shape: [2], storage: [5, 6]))
        let frozenOnly = b * c  // depends on no trainable input
        XCTAssertFalse(frozenOnly.needsGradient)
        let loss = (a * frozenOnly).sum()
        XCTAssertTrue(loss.needsGradient)
        graph.backward(from: loss)
        XCTAssertEqual(trained.gradient?.storage ?? [], [15, 24])
        XCTAssertNil(frozen.gradient)
        XCTAssertNil(graph.gradient(of: c))
    }

    func testGradientsAccumulateAcrossBackwardPassesAndReuse() {
        let p = Parameter("w", value: Tensor(shape: [3], storage: [1, -2, 3]))
        for _ in 0..<2 {
            let graph = Graph()
            let w = graph.parameter(p)
            XCTAssertEqual(graph.parameter(p).id, w.id, "one node per parameter")
            graph.backward(from: (w * w + w).sum())  // d/dw = 2w + 1, the node used twice
        }
        XCTAssertEqual(p.gradient?.storage ?? [], [6, -6, 14])
        p.zeroGradient()
        XCTAssertNil(p.gradient)
    }

    func testBackwardSeedScalesGradients() {
        let p = Parameter("w", value: Tensor(shape: [2], storage: [1, 2]))
        let graph = Graph()
        graph.backward(from: (graph.parameter(p) * 3).sum(), seed: 0.5)
        XCTAssertEqual(p.gradient?.storage ?? [], [1.5, 1.5])
    }
}
