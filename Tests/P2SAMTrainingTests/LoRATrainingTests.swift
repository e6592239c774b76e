import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMTensor
import SeededSampling
import TorchCheckpoint
import Training
import XCTest

/// Stage 1 with LoRA: training steps, model files with LoRA factors, merge at load, strict errors.
final class LoRATrainingTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    fileprivate func metadata(_ configuration: P2SAMConfiguration, stage: Int) -> [String: String] {
        P2SAMModelFile.metadata(
            configuration: configuration, stage: stage, baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256,
            dataset: "synthetic", split: "index", epochs: 1, seed: 3, notes: "LoRA test")
    }

    /// A few LoRA steps on one synthetic case lower the loss and move B; the trained model saves, reads back,
    /// and loads for inference with the factors merged: its encoder equals the recorded LoRA encoder.
    func testLoRAStageOneTrainsAndTheModelLoadsMerged() throws {
        let store = try TestCheckpoint.weights()
        let inference = try LiteMedSAMModel(weights: store).imageEncoder
        let preparation = TrainingDataPreparation(
            datasetKey: "synthetic", window: nil, windowName: nil,
            checkpointSHA256: LiteMedSAMCheckpoint.officialSHA256,
            cache: try EmbeddingCache(directory: nil))
        let raw = try SyntheticInputs.cases(count: 3).filter { c in c.raters.contains { !$0.isEmpty } }
        let cases = try preparation.prepare(
            Array(raw.prefix(1)), embedder: { _ in preconditionFailure("no embeddings with LoRA") },
            layerZero: inference.layerZeroOutput)
        let item = try XCTUnwrap(cases.first)
        XCTAssertFalse(item.hasEmbedding)
        XCTAssertEqual(item.layerZeroOutput?.shape, [128, 128, 128])

        var configuration = P2SAMConfiguration(injection: .sparse)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 3)
        LoRAParameters.add(to: set, rank: 4, seed: 3)
        let network = P2SAMNetwork(
            configuration: configuration, parameters: set, encoder: try RecordedImageEncoder(backbone: store, lora: set)
        )
        XCTAssertThrowsError(
            try P2SAMTrainer(network: network, options: TrainingOptions(stage: 1)), "LoRA model with LoRA off")
        let trainer = try P2SAMTrainer(
            network: network, options: TrainingOptions(stage: 1, learningRate: 2e-4, batchSize: 1, loraRank: 4))
        XCTAssertEqual(trainer.trainableNames.filter(LoRAParameters.isFactor).count, 40)
        var losses: [Double] = []
        for _ in 0..<3 { losses.append(try trainer.step([item], random: SeededRandom(seed: 0))) }
        print("LoRA stage-1 losses on one case: \(losses)")
        XCTAssertLessThan(losses.last!, losses.first! - 0.005)
        let b = set["image_encoder.layers.2.blocks.0.attn.qkv.lora_v.b"].value
        XCTAssertGreaterThan(b.storage.map(abs).max()!, 0, "LoRA B did not move")
        let validation = try XCTUnwrap(try trainer.validate([item]))
        XCTAssertTrue(validation.loss.isFinite)

        // Stage-1 file: read back strictly with its factors.
        let stageOne = directory.appendingPathComponent("s1.safetensors")
        try P2SAMModelFile.write(set, stage: 1, metadata: metadata(configuration, stage: 1), to: stageOne)
        let loaded = try P2SAMModelFile.readTrainable(
            stageOne, backbone: store, baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256)
        XCTAssertEqual(loaded.metadata[P2SAMModelFile.loraRankKey], "4")
        XCTAssertEqual(LoRAParameters.rank(of: loaded.parameters), 4)
        XCTAssertEqual(loaded.parameters["image_encoder.layers.2.blocks.0.attn.qkv.lora_v.b"].value, b)

        // Stage-2 file (frozen LoRA + PGN): P²SAM inference merges the factors into the encoder.
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 3)
        let stageTwo = directory.appendingPathComponent("s2.safetensors")
        try P2SAMModelFile.write(set, stage: 2, metadata: metadata(configuration, stage: 2), to: stageTwo)
        let model = try P2SAMModel(modelFile: stageTwo, backbone: TestCheckpoint.url)
        XCTAssertEqual(model.loraRank, 4)
        let input = Tensor(shape: [3, 256, 256], storage: try SyntheticInputs.modelInput(seed: 3))
        let adapted = network.adaptedEmbedding(layerZeroOutput: inference.layerZeroOutput(input))
        let merged = model.imageEncoder(input)
        let difference = merged.maxAbsDifference(adapted)
        print("merged inference encoder vs recorded LoRA encoder after training: max |Δ| = \(difference)")
        XCTAssertLessThan(difference, 1e-4)
        XCTAssertGreaterThan(merged.maxAbsDifference(inference(input)), 0, "the merge had no effect")
    }

    /// LoRA keys without `lora_rank`, or of the wrong rank, are refused with a clear error by both readers.
    func testLoRAFilesAreReadStrictly() throws {
        let store = try TestCheckpoint.weights()
        var configuration = P2SAMConfiguration(injection: .dense)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 1)
        LoRAParameters.add(to: set, rank: 4, seed: 1)
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 1)
        let tensors = set.all.map { (name: $0.name, tensor: $0.value) }
        let base = metadata(configuration, stage: 2)
        func file(_ name: String, metadata: [String: String]) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(try Safetensors.encode(tensors, metadata: metadata)).write(to: url)
            return url
        }
        let sha = LiteMedSAMCheckpoint.officialSHA256
        let undeclared = try file("undeclared.safetensors", metadata: base)
        XCTAssertThrowsError(try P2SAMModelFile.readTrainable(undeclared, backbone: store, baseCheckpointSHA256: sha)) {
            error in
            XCTAssertTrue("\(error)".contains("no 'lora_rank' metadata"), "\(error)")
        }
        XCTAssertThrowsError(try P2SAMModel(modelFile: undeclared, backbone: TestCheckpoint.url)) { error in
            XCTAssertTrue("\(error)".contains("no 'lora_rank' metadata"), "\(error)")
        }
        var wrong = base
        wrong[P2SAMModelFile.loraRankKey] = "2"
        let wrongRank = try file("rank2.safetensors", metadata: wrong)
        XCTAssertThrowsError(try P2SAMModelFile.readTrainable(wrongRank, backbone: store, baseCheckpointSHA256: sha)) {
            error in
            XCTAssertTrue("\(error)".contains("has shape [4, 128]"), "\(error)")
        }
        XCTAssertThrowsError(try P2SAMModel(modelFile: wrongRank, backbone: TestCheckpoint.url)) { error in
            XCTAssertTrue("\(error)".contains("do not match rank 2"), "\(error)")
        }
        // Declared and consistent: loads.
        var good = base
        good[P2SAMModelFile.loraRankKey] = "4"
        XCTAssertEqual(
            try P2SAMModel(modelFile: try file("good.safetensors", metadata: good), backbone: TestCheckpoint.url)
                .loraRank, 4)
    }

    /// A model without LoRA (the bundled default) loads as before: the plain encoder, bit for bit.
    func testModelWithoutLoRAKeepsThePlainEncoder() throws {
        let store = try TestCheckpoint.weights()
        let url = TestCheckpoint.url.deletingLastPathComponent().appendingPathComponent("p2sam/default.safetensors")
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("no bundled default model") }
        let model = try P2SAMModel(modelFile: url, backbone: TestCheckpoint.url)
        XCTAssertNil(model.loraRank)
        let input = Tensor(shape: [3, 256, 256], storage: try SyntheticInputs.modelInput(seed: 4))
        XCTAssertEqual(model.imageEncoder(input), try LiteMedSAMModel(weights: store).imageEncoder(input))
    }

    /// Resume files written before `loraRank` existed decode with LoRA off.
    func testOptionsDecodeWithoutLoRARank() throws {
        let old = TrainingOptions(stage: 1, epochs: 3)
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(old)) as! [String: Any]
        json.removeValue(forKey: "loraRank")
        let decoded = try JSONDecoder().decode(
            TrainingOptions.self, from: try JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(decoded.loraRank)
        XCTAssertEqual(decoded, old)
        let lora = TrainingOptions(stage: 1, loraRank: 4)
        XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: try JSONEncoder().encode(lora)).loraRank, 4)
        XCTAssertThrowsError(try TrainingOptions(stage: 2, loraRank: 4).validate())
    }
}
