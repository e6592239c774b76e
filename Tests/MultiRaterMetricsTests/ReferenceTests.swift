import Foundation
import MultiRaterMetrics
import XCTest

/// Compares with the values written by Fixtures/make_reference.py (NumPy + SciPy, independent code).
final class ReferenceTests: XCTestCase {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // (the fields decode the NumPy reference file's snake_case keys)
    struct Case: Decodable {
        var width: Int, height: Int
        var samples: [String], raters: [String]
        var probabilities: [Double], uncertainty: [Double]
        var ged, hm_iou_standard, hm_iou_p2sam, d_max_per_rater, d_max_global, d_mean: Double
        var sample_diversity, rater_diversity, ece_vs_rater0, ueo_vs_rater0: Double
        var variance_ncc: Double?
    }
    struct File: Decodable { var cases: [Case] }

    func loadCases() throws -> [Case] {
        let url = try XCTUnwrap(
            Bundle.module.url(
                forResource: "reference_metrics", withExtension: "json",
                subdirectory: "Fixtures"))
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    func mask(_ bits: String, _ c: Case) throws -> BinaryMask {
        try BinaryMask(width: c.width, height: c.height, bools: bits.map { $0 == "1" })
    }

    func testAgainstNumPyReference() throws {
        let cases = try loadCases()
        XCTAssertEqual(cases.count, 12)
        let tol = 1e-9
        for (k, c) in cases.enumerated() {
            let samples = try c.samples.map { try mask($0, c) }
            let raters = try c.raters.map { try mask($0, c) }
            let a = try MultiRaterScore(samples: samples, raters: raters)
            let b = try MultiRaterScore(
                samples: samples, raters: raters,
                conventions: .init(hungarianIoU: .p2sam, maximumDice: .global))
            XCTAssertEqual(a.ged, c.ged, accuracy: tol, "case \(k) ged")
            XCTAssertEqual(a.hmIoU, c.hm_iou_standard, accuracy: tol, "case \(k) hm standard")
            XCTAssertEqual(b.hmIoU, c.hm_iou_p2sam, accuracy: tol, "case \(k) hm p2sam")
            XCTAssertEqual(a.dMax, c.d_max_per_rater, accuracy: tol, "case \(k) dmax per-rater")
            XCTAssertEqual(b.dMax, c.d_max_global, accuracy: tol, "case \(k) dmax global")
            XCTAssertEqual(a.dMean, c.d_mean, accuracy: tol, "case \(k) dmean")
            XCTAssertEqual(a.sampleDiversity, c.sample_diversity, accuracy: tol, "case \(k) sample div")
            XCTAssertEqual(a.raterDiversity, c.rater_diversity, accuracy: tol, "case \(k) rater div")
            XCTAssertEqual(a.n, samples.count)
            XCTAssertEqual(a.m, raters.count)
            XCTAssertEqual(
                try pixelCalibrationError(probabilities: c.probabilities, reference: raters[0]),
                c.ece_vs_rater0, accuracy: tol, "case \(k) ece")
            let prediction = try BinaryMask(
                width: c.width, height: c.height,
                bools: c.probabilities.map { $0 >= 0.5 })
            XCTAssertEqual(
                try uncertaintyErrorOverlap(
                    uncertainty: c.uncertainty, prediction: prediction,
                    reference: raters[0]),
                c.ueo_vs_rater0, accuracy: tol, "case \(k) ueo")
            let ncc = try varianceCorrelation(samples: samples, raters: raters)
            if let expected = c.variance_ncc {
                XCTAssertEqual(try XCTUnwrap(ncc, "case \(k) ncc"), expected, accuracy: tol, "case \(k) ncc")
            } else {
                XCTAssertNil(ncc, "case \(k) ncc")
            }
        }
    }
}
