import Foundation
import SAMTensor
import XCTest

final class PrecisionTests: XCTestCase {
    func testResolutionAgainstTheCPU() {
        XCTAssertEqual(Precision.f32.resolved(bf16Available: true).precision, .f32)
        XCTAssertNil(Precision.f32.resolved(bf16Available: false).note)
        XCTAssertEqual(Precision.auto.resolved(bf16Available: true).precision, .bf16)
        XCTAssertEqual(Precision.auto.resolved(bf16Available: false).precision, .f32)
        XCTAssertNil(Precision.auto.resolved(bf16Available: false).note)
        XCTAssertEqual(Precision.bf16.resolved(bf16Available: true).precision, .bf16)
        let fallback = Precision.bf16.resolved(bf16Available: false)
        XCTAssertEqual(fallback.precision, .f32)
        XCTAssertTrue(fallback.note?.contains("running in f32") == true, fallback.note ?? "no note")
        XCTAssertEqual(Precision(rawValue: "bf16"), .bf16)
        XCTAssertNil(Precision(rawValue: "fp16"))
    }

    func testDefaultIsF32() {
        XCTAssertEqual(GEMMPrecision.current, .f32)
    }

    /// The bf16 GEMM against a Double reference. Rounding each operand to bf16 (8 significant bits)
    /// changes each product by at most 2·2⁻⁸ relative, so |error| ≤ 2⁻⁷ Σ|aᵢwᵢ| plus f32 accumulation.
    func testBF16LinearWithinRoundingBound() throws {
        guard CPUFeatures.hasAVX512BF16 else { throw XCTSkip("this CPU has no AVX512-BF16 (\(CPUFeatures.summary))") }
        defer { GEMMPrecision.select(.f32) }
        for (rows, inFeatures, outFeatures) in [(1, 3, 1), (7, 33, 17), (13, 64, 70), (50, 161, 40)] {
            var state: UInt64 = 42
            func next() -> Float {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return 2 * Float(state >> 40) / Float(1 << 24) - 1
            }
            let weight = (0..<(inFeatures * outFeatures)).map { _ in next() }
            let bias = (0..<outFeatures).map { _ in next() }
            let input = (0..<(rows * inFeatures)).map { _ in next() }
            let linear = Linear(weight: weight, bias: bias, inFeatures: inFeatures, outFeatures: outFeatures)
            GEMMPrecision.select(.bf16)
            XCTAssertEqual(GEMMPrecision.current, .bf16)
            let y = linear(Tensor(shape: [rows, inFeatures], storage: input))
            GEMMPrecision.select(.f32)
            for r in 0..<rows {
                for o in 0..<outFeatures {
                    var exact = Double(bias[o])
                    var magnitude = 0.0
                    for i in 0..<inFeatures {
                        let product = Double(input[r * inFeatures + i]) * Double(weight[o * inFeatures + i])
                        exact += product
                        magnitude += abs(product)
                    }
                    let bound = magnitude / 128 + 1e-5 * (magnitude + abs(exact))
                    XCTAssertEqual(
                        Double(y.storage[r * outFeatures + o]), exact, accuracy: bound,
                        "\(rows)x\(inFeatures)->\(outFeatures) at \(r),\(o)")
                }
            }
            // And it really ran in reduced precision: not bit-equal to the f32 GEMM everywhere.
            XCTAssertNotEqual(y, linear(Tensor(shape: [rows, inFeatures], storage: input)))
        }
    }
}
