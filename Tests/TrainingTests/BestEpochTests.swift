import Foundation
import SAMLayers
import SAMTensor
import TorchCheckpoint
import Training
import XCTest

/// The keep-best rule with ineligible (degenerate) epochs: on its own, in the trainer and across a resume.
final class BestEpochTests: XCTestCase {
    let problem = LinearRegressionProblem()

    func testEligibilityOutranksTheCriterion() {
        let empty = BestEpoch()
        XCTAssertTrue(empty.isImproved(by: 5, isEligible: false), "the first epoch is kept even if ineligible")
        XCTAssertTrue(empty.isImproved(by: 5, isEligible: true))
        XCTAssertFalse(empty.isImproved(by: .nan, isEligible: true))

        let degenerate = BestEpoch(criterion: 0.1, isEligible: false)
        XCTAssertTrue(degenerate.isImproved(by: 0.9, isEligible: true), "an eligible epoch replaces a degenerate one")
        XCTAssertTrue(degenerate.isImproved(by: 0.05, isEligible: false))
        XCTAssertFalse(degenerate.isImproved(by: 0.2, isEligible: false))
        XCTAssertFalse(degenerate.isImproved(by: .nan, isEligible: true))

        let sound = BestEpoch(criterion: 0.5, isEligible: true)
        XCTAssertFalse(sound.isImproved(by: 0.01, isEligible: false), "a degenerate epoch never replaces a sound one")
        XCTAssertTrue(sound.isImproved(by: 0.4, isEligible: true))
        XCTAssertFalse(sound.isImproved(by: 0.5, isEligible: true), "a tie keeps the earlier epoch")
    }

    /// (criterion, eligible) per epoch, and the epochs that must be marked best.
    private let scripted: [(Double, Bool)] = [(0.8, false), (0.9, true), (0.5, true), (0.1, false), (0.4, true)]
    private let expectedBest = [1, 2, 3, 5]

    private func run(
        epochs: Int, parameters: ParameterSet, checkpoint: ResumeCheckpoint?, resume: Bool,
        onBest: (@Sendable (EpochRecord<Double>) -> Void)? = nil
    ) throws -> [EpochRecord<Double>] {
        let trainer = try problem.trainer(
            parameters, configuration: TrainerConfiguration(epochs: epochs, batchSize: 2, restoresBestAtEnd: true))
        var epoch = resume ? (try checkpoint.map { try Self.epochsDone($0) } ?? 0) : 0
        let script = scripted
        trainer.validation = {
            defer { epoch += 1 }
            return ValidationScore(figures: script[epoch].0, criterion: script[epoch].0, isEligible: script[epoch].1)
        }
        return try trainer.run(training: problem.examples(count: 6, seed: 21), checkpoint: checkpoint, resume: resume)
    }

    private static func epochsDone(_ checkpoint: ResumeCheckpoint) throws -> Int {
        let meta = try Safetensors.readMetadata(contentsOf: checkpoint.url)
        return Int(meta["epochs_done"] ?? "") ?? 0
    }

    func testTheTrainerKeepsTheBestEligibleEpochAndRestoresIt() throws {
        let parameters = problem.parameters()
        var snapshots: [Int: [String: Tensor]] = [:]
        let trainer = try problem.trainer(
            parameters,
            configuration: TrainerConfiguration(epochs: scripted.count, batchSize: 2, restoresBestAtEnd: true))
        var epoch = 0
        let script = scripted
        trainer.validation = {
            defer { epoch += 1 }
            return ValidationScore(figures: script[epoch].0, criterion: script[epoch].0, isEligible: script[epoch].1)
        }
        trainer.onBest = { record in snapshots[record.epoch] = parameters.snapshot() }
        let history = try trainer.run(training: problem.examples(count: 6, seed: 21))
        XCTAssertEqual(history.filter(\.isBest).map(\.epoch), expectedBest)
        XCTAssertEqual(snapshots.keys.sorted(), expectedBest)
        // Epoch 4 had the lowest criterion but was ineligible: the best eligible epoch's (5) values are restored.
        XCTAssertTrue(parameters["lin.weight"].value == snapshots[5]!["lin.weight"]!)
    }

    func testEveryEpochIneligibleKeepsTheLowestCriterion() throws {
        let trainer = try problem.trainer(problem.parameters(), configuration: TrainerConfiguration(epochs: 3))
        let criteria = [0.7, 0.3, 0.6]
        var epoch = 0
        trainer.validation = {
            defer { epoch += 1 }
            return ValidationScore(figures: criteria[epoch], criterion: criteria[epoch], isEligible: false)
        }
        let history = try trainer.run(training: problem.examples(count: 4, seed: 22))
        XCTAssertEqual(history.map(\.isBest), [true, true, false])
    }

    func testAResumedRunRemembersThatItsBestWasIneligible() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("best-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = ResumeCheckpoint(
            url: directory.appendingPathComponent("r.safetensors"), format: "toy-resume-v1", kind: "toy")
        // Stop after epoch 1 (ineligible, criterion 0.8); epoch 2 (eligible, 0.9) must still replace it.
        _ = try run(epochs: 1, parameters: problem.parameters(), checkpoint: checkpoint, resume: false)
        let meta = try Safetensors.readMetadata(contentsOf: checkpoint.url)
        XCTAssertEqual(meta["best_eligible"], "false")
        let resumed = try run(
            epochs: scripted.count, parameters: problem.parameters(), checkpoint: checkpoint, resume: true)
        XCTAssertEqual(resumed.filter(\.isBest).map(\.epoch), expectedBest)

        // A damaged flag is refused by name.
        let file = try Safetensors.read(contentsOf: checkpoint.url)
        var damaged = file.metadata
        damaged["best_eligible"] = "maybe"
        let bytes = try Safetensors.encode(
            file.tensors.keys.sorted().map { ($0, file.tensors[$0]!) }, metadata: damaged)
        try Data(bytes).write(to: checkpoint.url)
        XCTAssertThrowsError(
            try run(epochs: scripted.count + 1, parameters: problem.parameters(), checkpoint: checkpoint, resume: true)
        ) { error in XCTAssertTrue("\(error)".contains("best_eligible is 'maybe'"), "\(error)") }
    }
}
