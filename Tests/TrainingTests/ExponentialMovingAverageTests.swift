import Foundation
import SAMLayers
import SAMTensor
import Training
import XCTest

/// The trainer's moving average of the weights (`TrainerConfiguration.averageDecay`): validation and the
/// kept model see the average (checked against the closed form from the recorded raw steps), the steps
/// train the raw weights, a resume restores the average, and bad decays are refused.
final class ExponentialMovingAverageTests: XCTestCase {
    let problem = LinearRegressionProblem()
    let names = ["lin.weight", "lin.bias"]

    /// Flat values of the trained parameters, in `names` order.
    func flat(_ parameters: ParameterSet) -> [Float] { names.flatMap { parameters[$0].value.storage } }

    func testValidationAndTheKeptModelSeeTheAverageOfTheRawSteps() throws {
        let decay: Float = 0.6
        let parameters = problem.parameters()
        let start = flat(parameters)
        let trainer = try problem.trainer(
            parameters, configuration: TrainerConfiguration(epochs: 2, batchSize: 2, averageDecay: decay),
            learningRate: 0.1)
        var raw: [[Float]] = []  // the raw values after every step
        trainer.afterUpdate = { raw.append(self.flat(parameters)) }
        var validated: [[Float]] = []
        var rawAtValidation: [Int] = []
        trainer.validation = {
            validated.append(self.flat(parameters))
            rawAtValidation.append(raw.count)
            return ValidationScore(figures: 0, criterion: -Double(validated.count))  // every epoch is the best
        }
        var saved: [[Float]] = []
        trainer.onBest = { _ in saved.append(self.flat(parameters)) }
        _ = try trainer.run(training: problem.examples(count: 6, seed: 21))
        XCTAssertEqual(raw.count, 6, "3 steps per epoch")
        // Closed form after n steps: dⁿ θ₀ + (1 − d) Σₖ d^(n−k) θₖ (k = 1…n).
        func closedForm(_ n: Int) -> [Float] {
            start.indices.map { i in
                var value = Double(start[i]) * pow(Double(decay), Double(n))
                for k in 1...n {
                    value += (1 - Double(decay)) * pow(Double(decay), Double(n - k)) * Double(raw[k - 1][i])
                }
                return Float(value)
            }
        }
        XCTAssertEqual(rawAtValidation, [3, 6])
        for (epoch, n) in rawAtValidation.enumerated() {
            let expected = closedForm(n)
            for (a, b) in zip(validated[epoch], expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            for (a, b) in zip(saved[epoch], expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            // The average lags the raw weights: it must differ from the last step's.
            let gap = zip(validated[epoch], raw[n - 1]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(gap, 1e-3, "epoch \(epoch + 1): validation saw the raw weights")
        }
        // The run ends on the raw weights (no restore of the best epoch asked for), frozen ones untouched.
        XCTAssertEqual(flat(parameters), raw.last!)
        XCTAssertEqual(parameters["frozen.scale"].value.storage, [1])
        XCTAssertEqual(trainer.average?.decay, decay)
    }

    func testRestoringTheBestEpochRestoresItsAverage() throws {
        let parameters = problem.parameters()
        let trainer = try problem.trainer(
            parameters,
            configuration: TrainerConfiguration(epochs: 3, batchSize: 2, restoresBestAtEnd: true, averageDecay: 0.8))
        let scripted = [2.0, 1.0, 3.0]
        var epoch = 0
        var kept: [Float] = []
        trainer.validation = {
            defer { epoch += 1 }
            if epoch == 1 { kept = self.flat(parameters) }
            return ValidationScore(figures: scripted[epoch], criterion: scripted[epoch])
        }
        _ = try trainer.run(training: problem.examples(count: 4, seed: 22))
        XCTAssertEqual(flat(parameters), kept)
    }

    func testResumeRestoresTheAverage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = problem.examples(count: 6, seed: 23)
        func run(epochs: Int, parameters: ParameterSet, file: String, resume: Bool, decay: Float? = 0.7)
            throws -> [[Float]]
        {
            let trainer = try problem.trainer(
                parameters,
                configuration: TrainerConfiguration(epochs: epochs, batchSize: 2, seed: 5, averageDecay: decay))
            var validated: [[Float]] = []
            trainer.validation = {
                validated.append(self.flat(parameters))
                return ValidationScore(figures: 0, criterion: 0)
            }
            let checkpoint = ResumeCheckpoint(
                url: directory.appendingPathComponent(file), format: "toy-resume-v1", kind: "toy")
            _ = try trainer.run(training: data, checkpoint: checkpoint, resume: resume)
            return validated
        }
        let straight = try run(epochs: 3, parameters: problem.parameters(), file: "a", resume: false)
        _ = try run(epochs: 1, parameters: problem.parameters(), file: "b", resume: false)
        let continued = try run(epochs: 3, parameters: problem.parameters(), file: "b", resume: true)
        XCTAssertEqual(continued, Array(straight.dropFirst()))
        // A resume file written without an average cannot continue a run that keeps one.
        _ = try run(epochs: 1, parameters: problem.parameters(), file: "c", resume: false, decay: nil)
        XCTAssertThrowsError(try run(epochs: 2, parameters: problem.parameters(), file: "c", resume: true)) {
            XCTAssertTrue("\($0)".contains("average of lin.weight"), "\($0)")
        }
    }

    func testDecaysOutsideTheOpenUnitIntervalAreRefused() throws {
        for decay: Float in [0, 1, -0.5, .nan] {
            XCTAssertThrowsError(
                try problem.trainer(
                    problem.parameters(), configuration: TrainerConfiguration(epochs: 1, averageDecay: decay))
            ) { XCTAssertTrue("\($0)".contains("decay"), "\($0)") }
        }
    }
}
