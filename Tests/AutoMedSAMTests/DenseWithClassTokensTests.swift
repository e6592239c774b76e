import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import Training
import XCTest

/// `--branches dense-tokens` (`PromptBranches.denseWithClassTokens`): the dense branch, and the class's
/// learned tokens alone as the sparse prompt. The encoder is the dense-only one plus the token table; the
/// sparse prompt is exactly the class's row in every path (per class, batched, recorded); the configuration
/// needs the class tokens and round-trips through the model-file metadata; training starts the tokens at the
/// class's mean box tokens and trains them; the CLI refuses the variant without class tokens.
final class DenseWithClassTokensTests: XCTestCase {
    private static let tokensKey = "\(ClassPromptEncoder.classTokensKey()).weight"

    func testTheClassTokensAreTheWholeSparsePrompt() throws {
        let dense = try Fixtures.encoderDeclarations(classes: 3, branches: .dense)
        let declared = try Fixtures.encoderDeclarations(classes: 3, branches: .denseWithClassTokens)
        XCTAssertEqual(Set(declared.map(\.key)), Set(dense.map(\.key) + [Self.tokensKey]))
        XCTAssertEqual(declared.first { $0.key == Self.tokensKey }?.shape, [3, 512])
        XCTAssertFalse(declared.contains { $0.key.contains(".sparse.") && $0.key != Self.tokensKey })

        let weights = Fixtures.randomWeights(declared, seed: 17)
        var store = WeightStore(weights)
        let encoder = try ClassPromptEncoder(&store, classCount: 3, branches: .denseWithClassTokens)
        try store.finish()
        var denseStore = WeightStore(weights.filter { $0.key != Self.tokensKey })
        let denseOnly = try ClassPromptEncoder(&denseStore, classCount: 3, branches: .dense)
        try denseStore.finish()

        let embedding = Fixtures.embedding(seed: 8)
        let noise = Fixtures.embedding(seed: 9, sigma: 0.3)
        let table = weights[Self.tokensKey]!.values
        let rows = [2, 0, 1]
        let batched = encoder.promptEmbeddings(embedding: embedding, classIndices: rows)
        let parameters = ParameterSet()
        for d in declared { parameters.add(d.key, Tensor(shape: d.shape, storage: weights[d.key]!.values)) }
        for (k, row) in rows.enumerated() {
            let own = Array(table[(row * 512)..<((row + 1) * 512)])
            let single = encoder.forward(TapeFree(), embedding: embedding, classIndex: row)
            XCTAssertEqual(single.sparse?.shape, [1, 2, 256])
            XCTAssertEqual(single.sparse?.storage, own, "per class: the tokens are the sparse prompt")
            XCTAssertEqual(batched[k].sparse?.shape, [1, 2, 256])
            XCTAssertEqual(batched[k].sparse?.storage, own, "batched: the tokens are the sparse prompt")
            // The dense map is the dense-only encoder's, unchanged by the tokens.
            let plain = denseOnly.forward(TapeFree(), embedding: embedding, classIndex: row)
            XCTAssertNil(plain.sparse)
            XCTAssertEqual(single.dense?.storage, plain.dense?.storage)
            ClassPromptBatchTests.assertClose(batched[k].dense!.storage, single.dense!.storage, "dense row \(row)")
            // Recorded (training) forward: the same tokens, with noise too (noise enters the dense branch only).
            let w = Recording(graph: Graph(), parameters: parameters)
            let recorded = encoder.forward(w, embedding: w.constant(embedding), classIndex: row, noise: noise)
            XCTAssertEqual(recorded.sparse?.value.storage, own)
            let noisy = encoder.forward(TapeFree(), embedding: embedding, classIndex: row, noise: noise)
            XCTAssertLessThanOrEqual(
                Fixtures.maxAbsDifference(recorded.dense!.value.storage, noisy.dense!.storage), 1e-4)
        }
        XCTAssertNotEqual(batched[0].sparse?.storage, batched[1].sparse?.storage, "each class has its own tokens")
    }

    func testConfigurationNeedsTheClassTokensAndRoundTrips() throws {
        XCTAssertThrowsError(
            try AutoMedSAMConfiguration(classes: [1: "a"], branches: .denseWithClassTokens, classTokens: false)
        ) { error in
            XCTAssertTrue("\(error)".contains("'dense-tokens' needs the class tokens"), "\(error)")
        }
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "a", 2: "b"], branches: .denseWithClassTokens, noiseSteps: 3, classTokens: true)
        XCTAssertEqual(configuration.metadata["branches"], "dense-tokens")
        XCTAssertEqual(try AutoMedSAMConfiguration(metadata: configuration.metadata), configuration)
        var lacking = configuration.metadata
        lacking["class_tokens"] = "false"
        XCTAssertThrowsError(try AutoMedSAMConfiguration(metadata: lacking)) { error in
            XCTAssertTrue("\(error)".contains("needs the class tokens"), "\(error)")
        }
        var unknown = configuration.metadata
        unknown["branches"] = "tokens"
        XCTAssertThrowsError(try AutoMedSAMConfiguration(metadata: unknown)) { error in
            XCTAssertTrue("\(error)".contains("dense, sparse, both, dense-tokens"), "\(error)")
        }
        // The written model file reads back as this variant and its inference uses the tokens.
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var placeholder = WeightStore.placeholder()
        let declared =
            try Fixtures.encoderDeclarations(classes: 2, branches: .denseWithClassTokens)
            + (try MaskDecoder(&placeholder)).parameterDeclarations
        let weights = Fixtures.randomWeights(declared, seed: 5)
        let url = folder.appendingPathComponent("model.safetensors")
        try AutoMedSAMModelFile.write(
            declared.map { ($0.key, Tensor(shape: $0.shape, storage: weights[$0.key]!.values)) },
            metadata: configuration.metadata, to: url)
        let file = try AutoMedSAMModelFile(contentsOf: url)
        XCTAssertEqual(file.configuration.branches, .denseWithClassTokens)
        let encoder = try file.layers().classPromptEncoder
        XCTAssertNil(encoder.sparse)
        XCTAssertNotNil(encoder.dense)
        XCTAssertEqual(
            encoder.forward(TapeFree(), embedding: Fixtures.embedding(seed: 2), classIndex: 1).sparse?.storage,
            Array(weights[Self.tokensKey]!.values[512..<1024]))
    }

    func testTrainingStartsAtTheMeanBoxTokensAndTrainsThem() throws {
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "square", 2: "disc"], branches: .denseWithClassTokens, noiseSteps: 10, classTokens: true)
        let network = try AutoMedSAMNetwork(
            configuration: configuration, checkpoint: try Fixtures.randomPromptAndDecoder(seed: 4), seed: 3)
        let examples = TrainingStepTests.examples(configuration: configuration)
        XCTAssertTrue(network.parameters[Self.tokensKey].value.storage.allSatisfy { $0 == 0 })
        network.initialiseClassTokens(from: examples)
        let layers = try network.currentLayers()
        for (row, example) in examples.enumerated() {
            let prompts = layers.classPromptEncoder.forward(
                TapeFree(), embedding: example.embedding, classIndex: row,
                positionalEncoding: network.promptEncoder.densePositionalEncoding)
            let box = network.promptEncoder.sparseEmbedding(for: Prompt(box: example.box!))
            XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(prompts.sparse!.storage, box), 1e-5)
        }
        let before = network.parameters.snapshot()
        let run = AutoMedSAMTrainingRun(
            network: network,
            options: AutoMedSAMTrainingOptions(
                branches: .denseWithClassTokens, learningRate: 1e-3, batchSize: 2),
            training: examples, validation: [], output: URL(fileURLWithPath: "/dev/null"))
        let trainer = try run.makeTrainer()
        for _ in 0..<3 { _ = try trainer.step(examples, random: SeededRandom(seed: 21)) }
        let after = network.parameters.snapshot()
        let changed = Set(after.keys.filter { after[$0] != before[$0] })
        XCTAssertTrue(changed.contains(Self.tokensKey))
        XCTAssertTrue(changed.contains { $0.hasPrefix("\(ClassPromptEncoder.defaultKey).dense.") })
        XCTAssertTrue(changed.contains { $0.hasPrefix(MaskDecoder.defaultKey + ".") })
    }

    func testTheCommandRefusesTheVariantWithoutClassTokens() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("m.safetensors")
        for (extra, message) in [
            (["--branches", "dense-tokens", "--no-class-tokens"], "--branches dense-tokens needs the class tokens"),
            (["--branches", "tokens"], "--branches must be both, dense, sparse or dense-tokens"),
        ] {
            let refused = try AutosegCommandTests.run(
                ["finetune", "--recipe", "automedsam", "--dataset", "labels:\(folder.path)", "--output", output.path]
                    + extra)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.output.contains(message), refused.output)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
        }
    }
}
