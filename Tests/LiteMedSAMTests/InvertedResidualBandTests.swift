import SAMLayers
import SAMTensor
import XCTest

/// The tape-free inverted-residual block runs in bands of rows; every value must equal the plain
/// sequence of six operations (to SGEMM rounding), for maps shorter than, equal to and longer than one band,
/// and a wrong halo (a missing or misplaced neighbour row) would change values by far more.
final class InvertedResidualBandTests: XCTestCase {
    private struct Block {
        let expand: PointwiseConvolutionBatchNormLayer
        let depthwise: DepthwiseConvolutionBatchNormLayer
        let project: PointwiseConvolutionBatchNormLayer
    }

    /// A block with `channels` in/out and `hidden` expanded channels, every weight drawn from a seeded
    /// generator (BatchNorm variances positive).
    private func randomBlock(channels: Int, hidden: Int, seed: UInt64) throws -> Block {
        func build(_ store: inout WeightStore) throws -> Block {
            Block(
                expand: try PointwiseConvolutionBatchNormLayer(&store, "b.conv1", in: channels, out: hidden),
                depthwise: try DepthwiseConvolutionBatchNormLayer(&store, "b.conv2", channels: hidden, stride: 1),
                project: try PointwiseConvolutionBatchNormLayer(&store, "b.conv3", in: hidden, out: channels))
        }
        var placeholder = WeightStore.placeholder()
        let shapes = try build(&placeholder)
        let declarations =
            shapes.expand.parameterDeclarations + shapes.depthwise.parameterDeclarations
            + shapes.project.parameterDeclarations
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        var weights: [String: NamedWeight] = [:]
        for declaration in declarations {
            let count = declaration.shape.reduce(1, *)
            let positive = declaration.key.hasSuffix("running_var")
            let values = (0..<count).map { _ in positive ? 0.5 + abs(next()) : next() }
            weights[declaration.key] = NamedWeight(shape: declaration.shape, values: values)
        }
        var store = WeightStore(weights)
        return try build(&store)
    }

    private func sequence(_ input: Tensor, _ block: Block) -> Tensor {
        let c = TapeFree()
        var x = c.pointwiseConvolution(input, block.expand)
        c.applyGELU(&x)
        x = c.depthwiseConvolution(x, block.depthwise)
        c.applyGELU(&x)
        x = c.pointwiseConvolution(x, block.project)
        c.add(&x, input)
        c.applyGELU(&x)
        return x
    }

    func testBandedBlockEqualsTheSequence() throws {
        let block = try randomBlock(channels: 8, hidden: 32, seed: 7)
        let band = TapeFree.invertedResidualBandRows
        for height in [1, 5, band, band + 1, 2 * band + 6] {
            var state: UInt64 = UInt64(height)
            let values = (0..<(height * 9 * 8)).map { _ -> Float in
                state = state &* 2_862_933_555_777_941_757 &+ 3_037_000_493
                return Float(state >> 40) / Float(1 << 24) * 4 - 2
            }
            let input = Tensor(shape: [height, 9, 8], storage: values)
            let banded = TapeFree().invertedResidual(
                input, expand: block.expand, depthwise: block.depthwise, project: block.project)
            let plain = sequence(input, block)
            XCTAssertEqual(banded.shape, [height, 9, 8])
            // Each value is the same sequence of operations; only OpenBLAS may pick a different SGEMM
            // kernel (and so a different rounding) for a band's few rows than for the whole map, so the
            // comparison allows a few units in the last place.
            let largest = zip(banded.storage, plain.storage).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(largest, 1e-5, "height \(height)")
            XCTAssertTrue(banded.storage.contains { $0 != 0 })
        }
    }
}
