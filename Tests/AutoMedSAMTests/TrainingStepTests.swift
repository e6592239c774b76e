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

/// The class tokens start at each class's mean box tokens (the distillation targets), computed here
/// independently from the prompt encoder; absent examples do not count; positional input changes the
/// encoder's output (it is really added).
final class ClassTokenTests: XCTestCase {
    func testClassTokensStartAtTheMeanBoxTokens() throws {
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "square", 2: "disc", 3: "absent"], branches: .both, noiseSteps: 0, positionalInput: true,
            classTokens: true)
        let network = try AutoMedSAMNetwork(
            configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
        let examples = TrainingStepTests.examples(configuration: configuration)
        XCTAssertFalse(examples[2].isPresent)
        let key = "\(ClassPromptEncoder.classTokensKey()).weight"
        XCTAssertTrue(network.parameters[key].value.storage.allSatisfy { $0 == 0 }, "class tokens start at 0")
        network.initialiseClassTokens(from: examples + [examples[0]])
        let values = network.parameters[key].value
        XCTAssertEqual(values.shape, [3, 512])
        for row in 0..<2 {
            let box = examples[row].box!
            // The box tokens: the corners' positional encodings plus the learned corner embeddings.
            let expected = network.promptEncoder.sparseEmbedding(for: Prompt(box: box))
            XCTAssertEqual(expected.count, 512)
            XCTAssertLessThanOrEqual(
                Fixtures.maxAbsDifference(Array(values.storage[(row * 512)..<((row + 1) * 512)]), expected), 1e-5)
        }
        XCTAssertTrue(values.storage[1024..<1536].allSatisfy { $0 == 0 }, "an absent class keeps its tokens")
        // The tokens are added to the pooled sparse tokens: with them, the sparse output moves by them.
        let layers = try network.currentLayers()
        let pe = network.promptEncoder.densePositionalEncoding
        let embedding = examples[0].embedding
        let with = layers.classPromptEncoder.forward(
            TapeFree(), embedding: embedding, classIndex: 0, positionalEncoding: pe)
        let zero = try AutoMedSAMConfiguration(
            classes: configuration.classes, branches: .both, noiseSteps: 0, positionalInput: true, classTokens: false)
        var store = WeightStore(
            network.modelTensors.filter { !$0.name.contains("class_tokens") && $0.name.hasPrefix("class_prompt_net") }
                .reduce(into: [String: NamedWeight]()) {
                    $0[$1.name] = NamedWeight(shape: $1.tensor.shape, values: $1.tensor.storage)
                })
        let plain = try ClassPromptEncoder(
            &store, classCount: 3, branches: .both, positionalInput: zero.positionalInput, classTokens: false)
        let without = plain.forward(TapeFree(), embedding: embedding, classIndex: 0, positionalEncoding: pe)
        let difference = zip(with.sparse!.storage, without.sparse!.storage).map { $0 - $1 }
        XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(difference, Array(values.storage[0..<512])), 1e-4)
        XCTAssertEqual(with.dense!.storage, without.dense!.storage)
        // Positional input: the same weights without it give a different output.
        var store2 = WeightStore(
            network.modelTensors.filter { !$0.name.contains("class_tokens") && $0.name.hasPrefix("class_prompt_net") }
                .reduce(into: [String: NamedWeight]()) {
                    $0[$1.name] = NamedWeight(shape: $1.tensor.shape, values: $1.tensor.storage)
                })
        let noPosition = try ClassPromptEncoder(&store2, classCount: 3, branches: .both)
        let unplaced = noPosition.forward(TapeFree(), embedding: embedding, classIndex: 0)
        XCTAssertGreaterThan(Fixtures.maxAbsDifference(unplaced.dense!.storage, without.dense!.storage), 1e-3)
    }
}

/// Training (recorded) and inference (tape-free, layers rebuilt from the current values) give the same logits.
final class TrainInferenceParityTests: XCTestCase {
    func testRecordedAndTapeFreeLogitsAgree() throws {
        for (branches, additions) in PromptBranches.allCases.map({ ($0, false) }) + [(.both, true)] {
            let configuration = try AutoMedSAMConfiguration(
                classes: [1: "square", 2: "disc"], branches: branches, noiseSteps: 0, positionalInput: additions,
                classTokens: additions || branches.classTokensAlone)
            let network = try AutoMedSAMNetwork(
                configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
            let example = TrainingStepTests.examples(configuration: configuration)[0]
            network.initialiseClassTokens(from: [example])
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
