import Foundation
import Optimisers
import SAMAutograd
import SAMTensor
import UMedSAMTraining
import XCTest

/// The four terms and the weighting forms against values computed by hand.
final class UMedSAMLossTests: XCTestCase {
    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// A 4x4 target (a 2x2 square at rows/columns 1…2) and logits with both signs.
    let mask: [UInt8] = [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    let logitValues: [Float] = [-2, -1, 0.5, -3, -1, 2, 1, -2, 0.25, 3, -0.5, -1, -4, -2, -1, -3]

    func terms(_ which: [UMedSAMLossTerm], iou: Float) -> [Double] {
        let graph = Graph()
        return withExtendedLifetime(graph) {
            let logits = graph.constant(Tensor(shape: [1, 4, 4], storage: logitValues))
            let prediction = graph.constant(Tensor(shape: [1], storage: [iou]))
            return UMedSAMLoss.terms(which, logits: logits, iouPrediction: prediction, mask: mask).map {
                Double($0.scalar)
            }
        }
    }

    func testDiceBCEAndIoUTermsMatchTheirFormulas() {
        let p = logitValues.map { sigmoid(Double($0)) }
        let y = mask.map(Double.init)
        let intersection = zip(p, y).map(*).reduce(0, +)
        let squares = p.map { $0 * $0 }.reduce(0, +) + y.map { $0 * $0 }.reduce(0, +)
        let dice = 1 - (2 * intersection + 1e-5) / (squares + 1e-5)
        let bce =
            zip(logitValues.map(Double.init), y).map { x, t in -(t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x))) }
            .reduce(0, +) / 16
        // Thresholded at 0: predicted {2, 5, 6, 8, 9}; truth {5, 6, 9, 10}: intersection 3, union 6.
        let realIoU = 3.0 / 6.0
        let got = terms([.dice, .bce, .iou], iou: 0.8)
        XCTAssertEqual(got[0], dice, accuracy: 1e-5)
        XCTAssertEqual(got[1], bce, accuracy: 1e-5)
        XCTAssertEqual(got[2], (0.8 - realIoU) * (0.8 - realIoU), accuracy: 1e-6)
        XCTAssertEqual(UMedSAMLoss.thresholdedIoU(logits: Tensor(shape: [16], storage: logitValues), target: mask), 0.5)
    }

    func testShapeDistanceMapAndLoss() {
        // Every pixel of the 2x2 square touches the background: distance 1 = the maximum, so D = σ(0) = 0.5
        // on the square and 0 elsewhere.
        let map = UMedSAMLoss.shapeDistanceMap(mask: mask, side: 4)
        for i in 0..<16 { XCTAssertEqual(Double(map.storage[i]), mask[i] == 1 ? 0.5 : 0, accuracy: 1e-6) }
        let p = logitValues.map { sigmoid(Double($0)) }
        let expected = zip(p, map.storage).map { abs(Double($1) - $0) }.reduce(0, +) / (p.reduce(0, +) + 1e-6)
        XCTAssertEqual(terms([.shape], iou: 0)[0], expected, accuracy: 1e-5)

        // A 5x5 disc-like square in 7x7: the centre is 3 from the background, the ring 1 from it.
        var big = [UInt8](repeating: 0, count: 49)
        for y in 1...5 { for x in 1...5 { big[y * 7 + x] = 1 } }
        let d = UMedSAMLoss.shapeDistanceMap(mask: big, side: 7)
        XCTAssertEqual(Double(d.storage[3 * 7 + 3]), 0.5, accuracy: 1e-6)
        XCTAssertEqual(Double(d.storage[1 * 7 + 1]), sigmoid(-(1 - 1.0 / 3) / 0.2), accuracy: 1e-6)
        XCTAssertEqual(Double(d.storage[2 * 7 + 3]), sigmoid(-(1 - 2.0 / 3) / 0.2), accuracy: 1e-6)
    }

    func testWeightingForms() {
        let values: [Float] = [0.3, 1.7]
        let sigmaValues: [Float] = [0.5, 2]
        for form in UMedSAMLossWeighting.allCases {
            let graph = Graph()
            withExtendedLifetime(graph) {
                let losses = values.map { graph.constant(Tensor(shape: [], storage: [$0])) }
                let sigmas = graph.constant(Tensor(shape: [2], storage: sigmaValues))
                let total = Double(UMedSAMLoss.combine(losses, weighting: form, sigmas: sigmas).scalar)
                var expected = 0.0
                for m in 0..<2 {
                    let (l, s) = (Double(values[m]), Double(sigmaValues[m]))
                    switch form {
                    case .code: expected += 0.5 / (s * s) * l + log(1 + s * s)
                    case .paper: expected += 0.5 / (s * s) * l + log(s)
                    case .fixed: expected += l
                    }
                }
                XCTAssertEqual(total, expected, accuracy: 1e-5, "\(form)")
            }
        }
    }
}
