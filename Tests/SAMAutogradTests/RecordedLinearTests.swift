import SAMAutograd
import SAMTensor
import XCTest

/// The recorded (training) linear layer computes its forward with the tape-free `Linear`'s f32 product
/// (`LinearKernel.product`): the same bits for inputs above and below `LinearKernel.minimumRows` rows, with and
/// without bias, so training and inference forwards of the same weights agree exactly in their linear layers.
final class RecordedLinearTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return 2 * Float(state >> 40) / Float(1 << 24) - 1
        }
    }

    func testRecordedLinearEqualsTapeFreeLinearBitForBit() {
        let (n, k) = (70, 96)
        let weight = values(n * k, seed: 1)
        let bias = values(n, seed: 2)
        for rows in [LinearKernel.minimumRows - 5, 4 * LinearKernel.minimumRows + 3] {
            let input = Tensor(shape: [rows, k], storage: values(rows * k, seed: UInt64(rows)))
            for withBias in [false, true] {
                let layer = Linear(weight: weight, bias: withBias ? bias : nil, inFeatures: k, outFeatures: n)
                let tapeFree = layer(input)
                let graph = Graph()
                let recorded = graph.constant(input).linear(
                    weight: graph.constant(Tensor(shape: [n, k], storage: weight)),
                    bias: withBias ? graph.constant(Tensor(shape: [n], storage: bias)) : nil)
                XCTAssertEqual(recorded.shape, [rows, n])
                XCTAssertEqual(
                    recorded.value.storage.map(\.bitPattern), tapeFree.storage.map(\.bitPattern),
                    "rows \(rows), bias \(withBias)")
            }
        }
    }
}
