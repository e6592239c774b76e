import AutoMedSAM
import Foundation
import LiteMedSAM
import SAMTensor
import XCTest

final class AbsentClassRuleTests: XCTestCase {
    typealias Observation = AbsentClassRule.Observation

    /// Class 1: absent slices with small spurious masks, present slices with larger good ones; class 2 never
    /// absent. The fit must land between the largest false positive and the smallest good mask for class 1
    /// and stay 0 for class 2.
    func testFitSeparatesSmallFalsePositivesFromPresentMasks() {
        var observations: [Observation] = []
        for a in [0.0, 0.0005, 0.001, 0.002] {
            observations.append(Observation(classID: 1, present: false, dice: 0, areaFraction: a))
        }
        for a in [0.01, 0.02, 0.03] {
            observations.append(Observation(classID: 1, present: true, dice: 0.9, areaFraction: a))
        }
        for a in [0.001, 0.05] {
            observations.append(Observation(classID: 2, present: true, dice: 0.5, areaFraction: a))
        }
        let rule = AbsentClassRule.fitted(to: observations)
        let t1 = rule.minimumAreaFraction[1]!
        XCTAssertGreaterThan(t1, 0.002)
        XCTAssertLessThanOrEqual(t1, 0.01)
        XCTAssertEqual(rule.minimumAreaFraction[2], 0)
        XCTAssertFalse(rule.keeps(classID: 1, foreground: 20, imagePixels: 10_000))  // 0.002
        XCTAssertTrue(rule.keeps(classID: 1, foreground: 100, imagePixels: 10_000))  // 0.01
        XCTAssertTrue(rule.keeps(classID: 2, foreground: 1, imagePixels: 10_000))
        XCTAssertTrue(rule.keeps(classID: 7, foreground: 1, imagePixels: 10_000))  // unlisted class: kept
        XCTAssertFalse(rule.keeps(classID: 2, foreground: 0, imagePixels: 10_000))  // empty: never kept
    }

    /// When dropping small masks would cost more present Dice than it saves false positives, the fit keeps 0.
    func testFitKeepsZeroWhenDroppingCostsMore() {
        let observations = [
            Observation(classID: 3, present: false, dice: 0, areaFraction: 0.004),
            Observation(classID: 3, present: true, dice: 0.8, areaFraction: 0.001),
            Observation(classID: 3, present: true, dice: 0.8, areaFraction: 0.002),
            Observation(classID: 3, present: true, dice: 0.8, areaFraction: 0.05),
        ]
        XCTAssertEqual(AbsentClassRule.fitted(to: observations).minimumAreaFraction[3], 0)
    }

    /// Dropping a mask empties it and hands its pixels to the next kept class with a positive logit.
    func testAppliedDropsSmallMaskAndRelabels() throws {
        let side = 256
        var logits = [Float](repeating: -5, count: 2 * side * side)
        for y in 0..<100 { for x in 0..<100 { logits[side * side + y * side + x] = 3 } }  // class 2: 100x100
        for y in 10..<16 { for x in 10..<16 { logits[y * side + x] = 6 } }  // class 1: 6x6, above class 2
        let image = EmbeddedImage(
            embedding: Tensor(shape: [64, 64, 256], repeating: 0), originalHeight: side, originalWidth: side,
            resizedHeight: side, resizedWidth: side)
        let raw = ClassSegmentation(
            classIDs: [1, 2], modelLogits: Tensor(shape: [2, 1, side, side], storage: logits), image: image)
        XCTAssertEqual(raw.labelMap[12 * side + 12], 1)
        XCTAssertGreaterThan(raw.masks[0].reduce(0) { $0 + Int($1) }, 0)
        let rule = try AbsentClassRule(minimumAreaFraction: [1: 0.01])
        let out = rule.applied(to: raw)
        XCTAssertEqual(out.masks[0].reduce(0) { $0 + Int($1) }, 0)
        XCTAssertEqual(out.masks[1], raw.masks[1])
        XCTAssertEqual(out.labelMap[12 * side + 12], 2)
        XCTAssertFalse(out.labelMap.contains(1))
        XCTAssertEqual(out.labelMap[200 * side + 200], 0)
        // A rule that keeps everything changes nothing.
        let none = try AbsentClassRule(minimumAreaFraction: [:]).applied(to: raw)
        XCTAssertEqual(none.masks, raw.masks)
        XCTAssertEqual(none.labelMap, raw.labelMap)
    }

    func testJSONRoundTripAndBadInput() throws {
        let rule = try AbsentClassRule(minimumAreaFraction: [1: 0.004, 3: 0])
        let data = try JSONEncoder().encode(rule)
        XCTAssertEqual(try JSONDecoder().decode(AbsentClassRule.self, from: data), rule)
        XCTAssertThrowsError(try AbsentClassRule(minimumAreaFraction: [1: 2]))
        XCTAssertThrowsError(try AbsentClassRule(minimumAreaFraction: [1: .nan]))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in [
            ("key.json", #"{"minimum_area_fraction": {"x": 0.1}}"#),
            ("range.json", #"{"minimum_area_fraction": {"1": -0.1}}"#),
            ("shape.json", #"{"thresholds": [1]}"#),
        ] {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try AbsentClassRule(contentsOf: url)) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
        XCTAssertThrowsError(try AbsentClassRule(contentsOf: folder.appendingPathComponent("missing.json")))
        let good = folder.appendingPathComponent("good.json")
        try data.write(to: good)
        XCTAssertEqual(try AbsentClassRule(contentsOf: good), rule)
    }
}
