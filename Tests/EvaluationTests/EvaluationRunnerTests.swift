import Evaluation
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import ShardedRuns
import XCTest

/// A method that answers the box itself, filled: its scores can be recomputed without the model.
struct FilledBoxMethod: EvaluationMethod {
    var needsBox: Bool = true

    func run(_ input: EvaluationInput) throws -> EvaluationOutput {
        var mask = BinaryMask(width: input.picture.width, height: input.picture.height)
        let b = input.box
        for y in Int(b.y0)..<Int(b.y1) { for x in Int(b.x0)..<Int(b.x1) { mask[x, y] = true } }
        return EvaluationOutput(final: mask, samples: Array(repeating: mask, count: input.count))
    }
}

final class EvaluationObserverSpy: EvaluationObserver {
    var calls: [(done: Int, total: Int, caseID: String, skipped: String?)] = []

    func caseFinished(done: Int, total: Int, caseID: String, skipped: String?, elapsed: Double) {
        calls.append((done, total, caseID, skipped))
    }
}

/// `EvaluationRunner` and `EvaluationReport` with a method whose answers are known.
final class EvaluationRunnerTests: XCTestCase {
    func predictor() throws -> LiteMedSAMPredictor {
        guard let url = try? LiteMedSAMCheckpoint.locate(), FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        return try LiteMedSAMPredictor(checkpoint: url)
    }

    /// Three synthetic cases, the last with every rater empty.
    func dataset() throws -> MultiRaterDataset {
        var cases = try SyntheticCaseGenerator(seed: 21).generate(count: 3)
        let last = cases[2]
        cases[2] = try MultiRaterCase(
            image: last.image,
            raters: last.raters.map { BinaryMask(width: $0.width, height: $0.height) }, metadata: last.metadata)
        return MultiRaterDataset(name: "synthetic", source: "synthetic:3:21", cases: cases)
    }

    func testRecordsScoreTheMethodsMasksAndSkipCasesWithoutABox() throws {
        let data = try dataset()
        let predictor = try predictor()
        let spy = EvaluationObserverSpy()
        let runner = EvaluationRunner(
            method: FilledBoxMethod(), quality: .tight, boxFromMajority: false, count: 2, seed: 5, window: nil,
            observer: spy)
        let ids = data.cases.map(\.metadata.caseID)
        var records: [ShardRecord<EvaluationCaseRecord>] = []
        try runner.run(data, caseIDs: ids, predictor: predictor) { records.append($0) }
        XCTAssertEqual(records.map(\.caseID), ids)
        XCTAssertEqual(spy.calls.map(\.done), [1, 2, 3])
        XCTAssertEqual(spy.calls.last?.skipped, "empty union")
        XCTAssertEqual(records[2].value.skipped, "empty union")
        for (record, item) in zip(records.prefix(2), data.cases) {
            let score = try XCTUnwrap(record.value.score)
            let union = EvaluationCases.union(item.raters)
            let box = try XCTUnwrap(BoundingBox(tightAround: union))
            var filled = BinaryMask(width: union.width, height: union.height)
            for y in Int(box.y0)..<Int(box.y1) { for x in Int(box.x0)..<Int(box.x1) { filled[x, y] = true } }
            let majority = EvaluationCases.majority(item.raters)
            XCTAssertEqual(score.dice, try diceCoefficient(filled, majority), accuracy: 1e-12)
            XCTAssertEqual(score.boxIoU, 1)
            XCTAssertEqual(score.score, try MultiRaterScore(samples: [filled, filled], raters: item.raters))
        }

        // A method without a box scores the empty case too.
        var boxless = runner
        boxless.method = FilledBoxMethod(needsBox: false)
        boxless.observer = nil
        XCTAssertNotNil(try boxless.record(data.cases[2], predictor: predictor).score)

        // The report: means over the scored cases, the skipped ids, the JSON keys of `p2sam evaluate`.
        let manifest = try ShardManifest(
            kind: "evaluate", dataset: data.source, split: "all", method: "filled-box", modelSHA256: "x", seed: 5,
            conventions: "", settings: ["box_quality": "tight", "box_from": "union", "count": "2"],
            toolVersion: "test", allCaseIDs: ids, shard: try Shard(index: 0, count: 1))
        let report = EvaluationReport(manifest: manifest, records: records)
        XCTAssertEqual(report.skipped, [ids[2]])
        XCTAssertEqual(report.order, Array(ids.prefix(2)))
        let dice = records.prefix(2).map { $0.value.score!.dice }
        XCTAssertEqual(report.mean?.dice ?? .nan, dice.reduce(0, +) / 2, accuracy: 1e-12)
        XCTAssertEqual(report.count, 2)
        let object = try XCTUnwrap(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        for key in ["method", "dataset", "split", "box_quality", "box_from", "count", "seed", "skipped", "seconds"]
            + ["mean", "cases"]
        {
            XCTAssertNotNil(object[key], key)
        }
        XCTAssertTrue(report.summaryLines().contains { $0.contains("skipped 1 case(s)") })
    }

    func testBoxQualityParsing() {
        XCTAssertEqual(BoxQuality("tight"), .tight)
        XCTAssertEqual(BoxQuality("jitter:5"), .jitter(5))
        XCTAssertEqual(BoxQuality("iou:0.5"), .iou(0.5))
        for bad in ["", "jitter:-1", "iou:0", "iou:1.5", "box"] { XCTAssertNil(BoxQuality(bad), bad) }
    }
}
