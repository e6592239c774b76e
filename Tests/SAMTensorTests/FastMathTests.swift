import Foundation
import SAMTensor
import XCTest

final class FastMathTests: XCTestCase {
    func testExpRelativeError() {
        var worst: Double = 0
        for i in 0...200_000 {
            let x = -87 + 175 * Double(i) / 200_000
            let approx = Double(FastMath.exp(Float(x)))
            let exact = Foundation.exp(Double(Float(x)))
            worst = max(worst, abs(approx - exact) / exact)
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst)")
    }

    func testErfAbsoluteError() {
        var worst: Double = 0
        for i in 0...200_000 {
            let x = Float(-8 + 16 * Double(i) / 200_000)
            worst = max(worst, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
        }
        XCTAssertLessThan(worst, 6e-7, "worst absolute error \(worst)")
    }

    func testGELUMatchesExactForm() {
        for x in stride(from: Float(-10), through: 10, by: 0.01) {
            let exact = 0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            XCTAssertEqual(Double(FastMath.gelu(x)), exact, accuracy: 4e-6 * max(1, abs(exact)))
        }
    }

    func testSoftmaxRowsSumToOne() {
        var values: [Float] = [1, 2, 3, -1000, 0, 1000]
        values.withUnsafeMutableBufferPointer { Normalization.softmaxRows($0.baseAddress!, rows: 2, cols: 3) }
        XCTAssertEqual(values[0] + values[1] + values[2], 1, accuracy: 1e-6)
        XCTAssertEqual(
            values[2], Float(Foundation.exp(1.0) / (Foundation.exp(-1.0) + 1 + Foundation.exp(1.0))) * 1, accuracy: 1e-6
        )
        XCTAssertEqual(values[5], 1, accuracy: 1e-6)
        XCTAssertEqual(values[3], 0, accuracy: 1e-30)
    }
}
