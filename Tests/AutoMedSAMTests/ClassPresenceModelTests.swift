import AutoMedSAM
import Foundation
import LiteMedSAM
import SAMTensor
import XCTest

final class ClassPresenceModelTests: XCTestCase {
    /// A 256x256 segmentation of classes 1 and 2: class 1 a `side1`-pixel square of logit `logit1` from
    /// (60, 60) (−5 elsewhere), class 2 a 100x100 square of logit 3 at the top left, overlapping it.
    static func segmentation(side1: Int, logit1: Float) -> ClassSegmentation {
        let side = 256
        var logits = [Float](repeating: -5, count: 2 * side * side)
        for y in 0..<100 { for x in 0..<100 { logits[side * side + y * side + x] = 3 } }
        for y in 60..<(60 + side1) { for x in 60..<(60 + side1) { logits[y * side + x] = logit1 } }
        let image = EmbeddedImage(
            embedding: Tensor(shape: [64, 64, 256], repeating: 0), originalHeight: side, originalWidth: side,
            resizedHeight: side, resizedWidth: side)
        return ClassSegmentation(
            classIDs: [1, 2], modelLogits: Tensor(shape: [2, 1, side, side], storage: logits), image: image)
    }

    func testLogisticRegressionSeparatesAndStaysFinite() {
        let xs: [Double] = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]
        let model = LogisticRegression.fitted(features: xs.map { [$0] }, labels: xs.map { $0 > 0 })
        XCTAssertLessThan(model.probability([-2]), 0.2)
        XCTAssertGreaterThan(model.probability([2]), 0.8)
        XCTAssertGreaterThan(model.weights[0], 0)
        // One label only: finite, and on that label's side.
        let same = LogisticRegression.fitted(features: xs.map { [$0] }, labels: xs.map { _ in true })
        XCTAssertTrue(same.bias.isFinite && same.weights[0].isFinite)
        XCTAssertGreaterThan(same.probability([0]), 0.9)
        // The Newton fit is at a stationary point of the penalised likelihood: zero gradient.
        var gradient = [model.weights[0], 1e-2 * model.bias]
        for x in xs {
            let r = model.probability([x]) - (x > 0 ? 1 : 0)
            gradient[0] += r * x
            gradient[1] += r
        }
        XCTAssertLessThan(abs(gradient[0]) + abs(gradient[1]), 1e-8)
    }

    /// The features, computed by hand for the synthetic segmentation.
    func testFeaturesOfASegmentation() throws {
        let seg = Self.segmentation(side1: 6, logit1: 6)
        let f = try ClassPresenceFeatures.of(seg, classID: 1, contextClassIDs: [1, 2])
        XCTAssertEqual(f.count, 4)
        XCTAssertEqual(f[0], log10(36.0 / 65536 + 1e-4), accuracy: 1e-9)
        XCTAssertEqual(f[1], 0.6, accuracy: 1e-6)
        XCTAssertEqual(f[2], 1 / (1 + exp(-6.0)), accuracy: 1e-6)
        XCTAssertEqual(f[3], log10(10_000.0 / 65536 + 1e-4), accuracy: 1e-9)  // class 2's area
        XCTAssertEqual(
            ClassPresenceFeatures.names(classID: 1, contextClassIDs: [1, 2]).last, "log10_area_fraction_of_class_2")
        XCTAssertThrowsError(try ClassPresenceFeatures.of(seg, classID: 1, contextClassIDs: [1, 2, 3])) { error in
            XCTAssertTrue("\(error)".contains("[1, 2, 3]"), "\(error)")
        }
    }

    /// Class 1's false positives are large but unsure (logit ≈ 0.5), its true masks small or large but sure:
    /// no minimum area separates them, the presence model must. The fitted model drops an unsure large mask
    /// (its pixels go to class 2 in the label map) and keeps a sure small one; class 2 (never absent) keeps
    /// everything.
    func testFittedModelDropsUnsureMasksThatAnAreaRuleCannot() throws {
        var observations: [ClassPresenceModel.Observation] = []
        var areaObservations: [AbsentClassRule.Observation] = []
        let absent: [(Int, Float)] = [(40, 0.4), (60, 0.6), (80, 0.5), (90, 0.3), (70, 0.8)]
        let present: [(Int, Float)] = [(8, 6), (12, 7), (30, 5), (50, 8), (85, 6), (95, 9), (20, 5.5)]
        for (side, logit) in absent + present {
            let isPresent = logit > 2
            let seg = Self.segmentation(side1: side, logit1: logit)
            for id in [1, 2] {
                let k = id - 1
                observations.append(
                    ClassPresenceModel.Observation(
                        classID: id, present: id == 2 || isPresent, dice: 0.9, drawn: seg.masks[k].contains(1),
                        features: try ClassPresenceFeatures.of(seg, classID: id, contextClassIDs: [1, 2])))
            }
            areaObservations.append(
                AbsentClassRule.Observation(
                    classID: 1, present: isPresent, dice: 0.9, areaFraction: Double(side * side) / 65536))
        }
        let model = try ClassPresenceModel.fitted(to: observations, contextClassIDs: [1, 2])
        XCTAssertEqual(model.classes[1]?.absentExamples, 5)
        XCTAssertEqual(model.classes[1]?.presentExamples, 7)
        XCTAssertEqual(model.classes[2]?.absentExamples, 0)

        let unsure = Self.segmentation(side1: 75, logit1: 0.5)
        let filtered = try model.applied(to: unsure)
        XCTAssertEqual(filtered.masks[0].reduce(0) { $0 + Int($1) }, 0, "the unsure class-1 mask must be dropped")
        XCTAssertEqual(filtered.masks[1], unsure.masks[1])
        XCTAssertEqual(unsure.labelMap[70 * 256 + 70], 2)  // class 2's logit 3 beats 0.5 inside its square
        XCTAssertEqual(unsure.labelMap[120 * 256 + 120], 1)  // class 1 alone outside it…
        XCTAssertEqual(filtered.labelMap[120 * 256 + 120], 0)  // …and nothing once dropped
        XCTAssertEqual(filtered.labelMap[70 * 256 + 70], 2)
        XCTAssertFalse(filtered.labelMap.contains(1))
        let sure = Self.segmentation(side1: 10, logit1: 7)
        XCTAssertEqual(try model.applied(to: sure).masks, sure.masks, "a sure small mask must be kept")
        XCTAssertLessThan(try model.probabilities(unsure)[1]!, try model.probabilities(sure)[1]!)

        // The minimum-area rule fitted on the same slices cannot drop the large unsure mask without dropping
        // the small sure one.
        let rule = AbsentClassRule.fitted(to: areaObservations)
        let ruleKeepsUnsure = rule.keeps(classID: 1, foreground: 75 * 75, imagePixels: 65536)
        let ruleKeepsSure = rule.keeps(classID: 1, foreground: 100, imagePixels: 65536)
        XCTAssertTrue(ruleKeepsUnsure || !ruleKeepsSure)

        // A segmentation without the context class 2 is refused by name.
        let alone = ClassSegmentation(
            classIDs: [1], modelLogits: Tensor(shape: [1, 1, 256, 256], repeating: 1),
            image: EmbeddedImage(
                embedding: Tensor(shape: [64, 64, 256], repeating: 0), originalHeight: 256, originalWidth: 256,
                resizedHeight: 256, resizedWidth: 256))
        XCTAssertThrowsError(try model.applied(to: alone))
        XCTAssertThrowsError(try model.check(against: [1, 3])) { error in
            XCTAssertTrue("\(error)".contains("class(es) [2]"), "\(error)")
        }
    }

    func testJSONRoundTripAndBadInput() throws {
        let names = ClassPresenceFeatures.names(classID: 1, contextClassIDs: [1, 2])
        let model = try ClassPresenceModel(
            contextClassIDs: [1, 2],
            classes: [
                1: try .init(
                    features: names, mean: [0, 1, 2, 3], scale: [1, 1, 2, 1],
                    regression: LogisticRegression(weights: [0.5, -1, 2, 0], bias: 0.25), threshold: 0.4,
                    presentExamples: 7, absentExamples: 2)
            ])
        let data = try JSONEncoder().encode(model)
        XCTAssertEqual(try JSONDecoder().decode(ClassPresenceModel.self, from: data), model)
        XCTAssertThrowsError(
            try ClassPresenceModel.ClassModel(
                features: names, mean: [0, 0, 0, 0], scale: [1, 1, 1, 1],
                regression: LogisticRegression(weights: [0, 0, 0, 0], bias: 0), threshold: 1.5))
        XCTAssertThrowsError(try ClassPresenceModel(contextClassIDs: [2], classes: model.classes))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = String(decoding: data, as: UTF8.self)
        for (name, bad) in [
            ("format.json", text.replacingOccurrences(of: ClassPresenceModel.format, with: "other-v1")),
            ("threshold.json", text.replacingOccurrences(of: "0.4", with: "4")),
            ("key.json", text.replacingOccurrences(of: "\"1\"", with: "\"x\"")),
            ("shape.json", #"{"minimum_area_fraction": {"1": 0.1}}"#),
        ] {
            let url = folder.appendingPathComponent(name)
            try Data(bad.utf8).write(to: url)
            XCTAssertThrowsError(try ClassPresenceModel(contentsOf: url)) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
            }
        }
        let good = folder.appendingPathComponent("good.json")
        try data.write(to: good)
        XCTAssertEqual(try ClassPresenceModel(contentsOf: good), model)
    }
}
