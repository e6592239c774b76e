import MultiRaterData
import XCTest

/// `--normalize`: z-score, min–max and window mapping to 0...255, the constant-image error, and the
/// train/validation-only split protocol.
final class IntensityNormalizationTests: XCTestCase {
    func image(_ pixels: [Float]) throws -> CaseImage {
        try CaseImage(width: pixels.count, height: 1, pixels: pixels)
    }

    func testParsing() {
        XCTAssertEqual(IntensityNormalization(parsing: "zscore"), .zScore)
        XCTAssertEqual(IntensityNormalization(parsing: "minmax"), .minMax)
        XCTAssertEqual(
            IntensityNormalization(parsing: "window:-1000,400"), .window(IntensityWindow(lower: -1000, upper: 400)))
        XCTAssertEqual(IntensityNormalization(parsing: "window:lung"), .window(.lung))
        XCTAssertNil(IntensityNormalization(parsing: "window:5,1"))
        XCTAssertNil(IntensityNormalization(parsing: "zscores"))
    }

    /// z = (v − mean) / std (population), clipped to ±3, mapped to 0...255: the mean goes to 127.5.
    func testZScoreMapsTheMeanToMidGreyAndClipsAtThreeDeviations() throws {
        // Values −1, 1 (mean 0, std 1) and one far outlier would move the mean; use a symmetric set instead.
        let out = try IntensityNormalization.zScore.apply(to: try image([-1, 1, -1, 1]), caseID: "c")
        // z = ±1 → 255 · (±1 + 3) / 6.
        XCTAssertEqual(out.pixels[0], 255 * 2 / 6, accuracy: 1e-3)
        XCTAssertEqual(out.pixels[1], 255 * 4 / 6, accuracy: 1e-3)
        // 1 outlier among 99 zeros: mean 1, z of the outlier ≈ 9.95 → clipped to 255.
        let spiky = try IntensityNormalization.zScore.apply(
            to: try image([Float](repeating: 0, count: 99) + [100]), caseID: "c")
        XCTAssertEqual(spiky.pixels[99], 255, accuracy: 1e-3)
        XCTAssertGreaterThan(spiky.pixels[0], 100)
    }

    func testZScoreOnAConstantImageIsAClearError() throws {
        XCTAssertThrowsError(try IntensityNormalization.zScore.apply(to: try image([7, 7, 7]), caseID: "case-9")) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("case-9") && text.contains("constant") && text.contains("zscore"), text)
        }
    }

    func testMinMaxAndWindow() throws {
        let minMax = try IntensityNormalization.minMax.apply(to: try image([10, 20, 30]), caseID: "c")
        XCTAssertEqual(minMax.pixels, [0, 127.5, 255])
        let window = try IntensityNormalization(parsing: "window:0,100")!.apply(
            to: try image([-5, 50, 200]), caseID: "c")
        XCTAssertEqual(window.pixels, [0, 127.5, 255])
    }

    /// Train and validation only: every fifth case by sorted id validates, nothing is held out as test.
    func testTrainValidationProtocolHasNoTestPart() {
        let ids = (0..<12).map { String(format: "case%02d", 11 - $0) }  // reverse order in the dataset
        let fold = DatasetSplitter.trainValidation(ids)
        XCTAssertTrue(fold.test.isEmpty)
        XCTAssertEqual(fold.train.count + fold.validation.count, 12)
        XCTAssertEqual(Set(fold.validation.map { ids[$0] }), ["case04", "case09"])
        XCTAssertTrue(Set(fold.train).isDisjoint(with: fold.validation))
        XCTAssertEqual(SplitProtocol(rawValue: "train-validation"), .trainValidation)
    }
}
