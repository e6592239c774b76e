import AutoMedSAM
import AutoMedSAMTraining
import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training
import XCTest

/// The recipe on a tiny synthetic label map: steps lower the loss and train exactly the selection.
final class TrainingStepTests: XCTestCase {
    /// Two classes in a 256x256 model frame: a square (1) and a disc (2).
    static func examples(configuration: AutoMedSAMConfiguration) -> [AutoMedSAMExample] {
        var labels = [UInt8](repeating: 0, count: 256 * 256)
        for y in 40..<110 { for x in 50..<120 { labels[y * 256 + x] = 1 } }
        for y in 0..<256 {
            for x in 0..<256 where (x - 180) * (x - 180) + (y - 170) * (y - 170) < 40 * 40 { labels[y * 256 + x] = 2 }
        }
        let embedding = Fixtures.embedding(seed: 11)
        return configuration.classIDs.enumerated().map { row, id in
            AutoMedSAMExample(
                caseID: "slice", classID: id, classRow: row, embedding: embedding,
                mask: labels.map { Int($0) == id ? 1 : 0 })
        }
    }

    func testStepsLowerTheLossAndTrainTheSelection() throws {
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "square", 2: "disc"], branches: .both, noiseSteps: 10)
        let network = try AutoMedSAMNetwork(
            configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
        let examples = Self.examples(configuration: configuration)
        XCTAssertEqual(examples.map(\.box?.x0), [50, 141])
        let before = network.parameters.snapshot()
        let run = AutoMedSAMTrainingRun(
            network: network, options: AutoMedSAMTrainingOptions(learningRate: 1e-3, batchSize: 2),
            training: examples, validation: [], output: URL(fileURLWithPath: "/dev/null"))
        let trainer = try run.makeTrainer()
        var losses: [Double] = []
        for _ in 0..<5 { losses.append(try trainer.step(examples, random: SeededRandom(seed: 21))) }
        XCTAssertLessThan(losses.last!, losses.first!, "losses \(losses)")
        let after = network.parameters.snapshot()
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        XCTAssertTrue(changed.contains(AutoMedSAMNetwork.lossSigmasKey))
        XCTAssertTrue(changed.contains { $0.hasPrefix("\(ClassPromptEncoder.defaultKey).sparse.") })
        XCTAssertTrue(changed.contains { $0.hasPrefix("\(ClassPromptEncoder.defaultKey).dense.") })
        XCTAssertTrue(changed.contains { $0.hasPrefix(MaskDecoder.defaultKey + ".") })
        XCTAssertTrue(changed.allSatisfy { trainer.trainableNames.contains($0) })
    }

    /// With fixed weights the loss is half the sum of the terms, and λ is not trained.
    func testFixedWeightingIsHalfTheSum() throws {
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "square", 2: "disc"], branches: .dense, noiseSteps: 0)
        let network = try AutoMedSAMNetwork(
            configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
        let example = Self.examples(configuration: configuration)[1]
        let graph = Graph()
        let w = Recording(graph: graph, parameters: network.parameters)
        let terms = network.terms(example, w, random: SeededRandom(seed: 1)).terms.map { Double($0.scalar) }
        let fixed = network.loss(example, w, random: SeededRandom(seed: 1), weighting: .fixed).scalar
        XCTAssertEqual(Double(fixed), 0.5 * terms.reduce(0, +), accuracy: 1e-4)
        XCTAssertTrue(terms.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertGreaterThan(terms[0], 0, "a present class has a distillation term")
        let run = AutoMedSAMTrainingRun(
            network: network, options: AutoMedSAMTrainingOptions(weighting: .fixed), training: [example],
            validation: [], output: URL(fileURLWithPath: "/dev/null"))
        XCTAssertFalse(try run.makeTrainer().trainableNames.contains(AutoMedSAMNetwork.lossSigmasKey))
    }
}

/// Training (recorded) and inference (tape-free, layers rebuilt from the current values) give the same logits.
final class TrainInferenceParityTests: XCTestCase {
    func testRecordedAndTapeFreeLogitsAgree() throws {
        for branches in PromptBranches.allCases {
            let configuration = try AutoMedSAMConfiguration(
                classes: [1: "square", 2: "disc"], branches: branches, noiseSteps: 0)
            let network = try AutoMedSAMNetwork(
                configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
            let example = TrainingStepTests.examples(configuration: configuration)[0]
            let graph = Graph()
            let w = Recording(graph: graph, parameters: network.parameters)
            let recorded = network.terms(example, w, random: SeededRandom(seed: 1)).logits.value
            let free = try network.currentLogits([example])[0]
            XCTAssertEqual(recorded.shape, [1, 256, 256])
            XCTAssertLessThanOrEqual(
                Fixtures.maxAbsDifference(recorded.storage, free.storage), 1e-3, "\(branches.rawValue)")
        }
    }
}
