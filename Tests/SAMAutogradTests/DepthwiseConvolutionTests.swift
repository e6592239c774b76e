import GradientChecking
import SAMAutograd
import SAMTensor
import XCTest

/// `depthwiseConv3x3`: finite-difference gradients (ε = 1e-2, `|a − n| ≤ 1e-3 + 1e-2 |n|`) and the
/// forward against a direct sum over PyTorch-layout weights.
final class DepthwiseConvolutionTests: XCTestCase {
    var generator = SeededGenerator(seed: 77)

    func random(_ shape: [Int]) -> Tensor { Tensor.random(shape, using: &generator) }

    func testGradientsStrideOneAndTwo() {
        // Odd and even sides, so stride 2 covers both edge cases.
        for (h, w) in [(5, 6), (4, 7)] {
            let x = random([h, w, 3])
            let weight = random([3, 3, 3])
            let bias = random([3])
            assertGradients([x, weight, bias]) { _, v in v[0].depthwiseConv3x3(weight: v[1], bias: v[2], stride: 1) }
            assertGradients([x, weight, bias]) { _, v in v[0].depthwiseConv3x3(weight: v[1], bias: v[2], stride: 2) }
        }
        let batched = random([2, 3, 5, 2])
        let weight = random([3, 3, 2])
        assertGradients([batched, weight]) { _, v in v[0].depthwiseConv3x3(weight: v[1], stride: 2) }
    }

    func testForwardMatchesDirectSum() {
        let (h, w, c) = (5, 4, 3)
        let x = random([h, w, c])
        let torchWeight = random([c, 1, 3, 3])
        let bias = random([c])
        let prepared = Tensor(
            shape: [3, 3, c], storage: Convolution.prepareDepthwise3x3(torchWeight.storage, channels: c))
        for stride in [1, 2] {
            let graph = Graph()
            let y = graph.constant(x).depthwiseConv3x3(
                weight: graph.constant(prepared), bias: graph.constant(bias), stride: stride
            ).value
            let (oh, ow) = ((h - 1) / stride + 1, (w - 1) / stride + 1)
            XCTAssertEqual(y.shape, [oh, ow, c])
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c {
                        var sum = bias.storage[ch]
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = oy * stride + ky - 1
                                let ix = ox * stride + kx - 1
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += x.storage[(iy * w + ix) * c + ch] * torchWeight.storage[ch * 9 + ky * 3 + kx]
                            }
                        }
                        XCTAssertEqual(y.storage[(oy * ow + ox) * c + ch], sum, accuracy: 1e-5)
                    }
                }
            }
        }
    }
}
