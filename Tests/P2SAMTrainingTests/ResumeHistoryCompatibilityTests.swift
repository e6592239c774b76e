import Foundation
import P2SAMTraining
import Training
import XCTest

/// Resume files written before the generic trainer keep their history as flat `EpochReport`s; the
/// trainer's `EpochRecord` must read them (and its own encoding) back.
final class ResumeHistoryCompatibilityTests: XCTestCase {
    func testFlatEpochReportsDecodeAsEpochRecords() throws {
        let reports = [
            EpochReport(
                epoch: 1, trainLoss: 0.9, validationLoss: 0.8, validationGED: .nan, validationDiversity: 0.1,
                seconds: 2, casesPerSecond: 3, isBest: true),
            EpochReport(
                epoch: 2, trainLoss: 0.7, validationLoss: nil, validationGED: nil, validationDiversity: nil,
                seconds: 4, casesPerSecond: 5, isBest: false),
        ]
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let records = try decoder.decode(
            [EpochRecord<P2SAMTrainer.ValidationResult>].self, from: encoder.encode(reports))
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0].validation?.loss, 0.8)
        XCTAssertTrue(records[0].validation?.ged.isNaN == true)
        XCTAssertEqual(records[0].validation?.sampleDiversity, 0.1)
        XCTAssertNil(records[1].validation)
        for (record, report) in zip(records, reports) {
            let back = EpochReport(record)
            XCTAssertEqual(back.epoch, report.epoch)
            XCTAssertEqual(back.trainLoss, report.trainLoss)
            XCTAssertEqual(back.isBest, report.isBest)
            XCTAssertEqual(back.seconds, report.seconds)
        }
        // The trainer's own encoding round-trips.
        let again = try decoder.decode(
            [EpochRecord<P2SAMTrainer.ValidationResult>].self, from: encoder.encode(records))
        XCTAssertEqual(again.map(\.validation?.loss), records.map(\.validation?.loss))
        XCTAssertEqual(again.map(\.criterion), records.map(\.criterion))
    }
}
