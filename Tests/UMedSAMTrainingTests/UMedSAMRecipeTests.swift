import Foundation
import LiteMedSAM
import Optimisers
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import TorchCheckpoint
import Training
import UMedSAMTraining
import XCTest

/// The recipe on the real checkpoint with pseudo-embeddings: training and inference agree, steps train
/// what they should and lower the loss, sharpness-aware steps leave the loss weights unperturbed.
final class UMedSAMRecipeTests: XCTestCase {
    func testRecordedForwardMatchesInferenceDecoder() throws {
        let store = try UMedSAMFixtures.weights()
        let network = try UMedSAMNetwork(backbone: store, lossTermCount: 4)
        let item = UMedSAMFixtures.disc(id: "a", cx: 120, cy: 100, radius: 30, seed: 1)
        let prompt = Prompt(
            box: BoxPrompt(x0: 88, y0: 66, x1: 153, y1: 133), points: [PointPrompt(x: 120, y: 100, label: .positive)])
        let graph = Graph()
        let (recorded, iou) = withExtendedLifetime(graph) {
            let out = network.forward(
                Recording(graph: graph, parameters: network.parameters), embedding: item.embedding, prompt: prompt)
            return (out.logits.value, out.iou.value)
        }
        let model = try LiteMedSAMModel(weights: store)
        let expected = model.decode([prompt], embedding: item.embedding)
        XCTAssertLessThan(expected.logits.reshaped(recorded.shape).maxAbsDifference(recorded), 1e-3)
        XCTAssertEqual(iou.storage[0], expected.iouPredictions.storage[0], accuracy: 1e-4)
        let snapshot = try network.snapshot().logits(embedding: item.embedding, prompts: [prompt])[0]
        XCTAssertLessThan(snapshot.reshaped(recorded.shape).maxAbsDifference(recorded), 1e-3)
    }

    func testStepsTrainTheDecoderAndLowerTheLoss() throws {
        let network = try UMedSAMNetwork(backbone: try UMedSAMFixtures.weights(), lossTermCount: 4)
        var options = UMedSAMOptions(sharpnessAware: false, boxJitter: 0, batchSize: 1, learningRate: 1e-3)
        options.terms = [.dice, .bce, .iou, .shape]
        let recipe = try UMedSAMTrainer(network: network, options: options)
        XCTAssertTrue(
            recipe.trainer.trainableNames.allSatisfy { $0.hasPrefix("mask_decoder.") || $0 == UMedSAMNetwork.sigmaKey })
        XCTAssertTrue(recipe.trainer.trainableNames.contains(UMedSAMNetwork.sigmaKey))
        let item = UMedSAMFixtures.disc(id: "a", cx: 120, cy: 100, radius: 30, seed: 1)
        let promptBefore = network.parameters[PromptEncoder.learnedEmbeddingWeightKeys()[0]].value
        var losses: [Double] = []
        for _ in 0..<4 { losses.append(try recipe.step([item], random: SeededRandom(seed: 5))) }
        XCTAssertLessThan(losses.last!, losses.first!, "\(losses)")
        XCTAssertEqual(network.parameters[PromptEncoder.learnedEmbeddingWeightKeys()[0]].value, promptBefore)
        XCTAssertNotEqual(network.sigmas!, [1, 1, 1, 1])
    }

    func testSharpnessAwareStepPerturbsModelNotLossWeightsAndRestores() throws {
        let set = ParameterSet()
        set.add("model.w", Tensor(shape: [3], storage: [1, -2, 0.5]))
        set.add(UMedSAMNetwork.sigmaKey, Tensor(shape: [1], storage: [1]))
        let parameters = set.all
        let rule = SharpnessAwareGradient(radius: 0.1, perturbed: .prefixes(["model."]))
        var seen: [[Float]] = []
        var sigmaSeen: [Float] = []
        _ = try rule.gradients(of: parameters) {
            seen.append(set["model.w"].value.storage)
            sigmaSeen.append(set[UMedSAMNetwork.sigmaKey].value.storage[0])
            set["model.w"].gradient = Tensor(shape: [3], storage: [3, 0, 4])
            set[UMedSAMNetwork.sigmaKey].gradient = Tensor(shape: [1], storage: [10])
            return 1
        }
        XCTAssertEqual(seen.count, 2)
        // ε = ρ g / ‖g‖ over the perturbed parameters only: 0.1 · (3, 0, 4) / 5.
        XCTAssertEqual(seen[1][0], 1 + 0.06, accuracy: 1e-6)
        XCTAssertEqual(seen[1][1], -2, accuracy: 1e-6)
        XCTAssertEqual(seen[1][2], 0.5 + 0.08, accuracy: 1e-6)
        XCTAssertEqual(sigmaSeen, [1, 1])
        for (a, b) in zip(set["model.w"].value.storage, [Float(1), -2, 0.5]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testPromptEncoderTrainsWhenAsked() throws {
        let network = try UMedSAMNetwork(backbone: try UMedSAMFixtures.weights(), lossTermCount: nil)
        let options = UMedSAMOptions(
            weighting: .fixed, sharpnessAware: false, trainable: .decoderAndPromptEncoder, prompts: .mixed,
            batchSize: 1, learningRate: 1e-3)
        let recipe = try UMedSAMTrainer(network: network, options: options)
        XCTAssertNil(network.sigmas)
        XCTAssertTrue(Set(PromptEncoder.learnedEmbeddingWeightKeys()).isSubset(of: Set(recipe.trainer.trainableNames)))
        XCTAssertThrowsError(try UMedSAMTrainer(network: network, options: UMedSAMOptions(weighting: .code)))
    }

    func testModelFileRoundTripsAndRefusesOtherArchitectures() throws {
        let store = try UMedSAMFixtures.weights()
        let network = try UMedSAMNetwork(backbone: store, lossTermCount: nil)
        let key = MaskDecoder.iouHeadKey() + ".layers.0.bias"
        var value = network.parameters[key].value
        value.storage[0] += 0.25
        network.parameters[key].value = value
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("umedsam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("m.safetensors")
        try LiteMedSAMModelFile.write(try network.currentWeights(), metadata: ["recipe": "test"], to: url)
        let (read, metadata) = try LiteMedSAMModelFile.read(url)
        XCTAssertEqual(metadata["recipe"], "test")
        var probe = read
        XCTAssertEqual(try probe.take(key, shape: value.shape), value.storage)
        XCTAssertNoThrow(try LiteMedSAMModel(weights: try LiteMedSAMCheckpoint.weights(at: url)))

        let other = directory.appendingPathComponent("other.safetensors")
        try Data(
            try Safetensors.encode(
                [("pgn.weight", Tensor(shape: [2], storage: [1, 2]))], metadata: ["format": "p2sam-model-v1"])
        )
        .write(to: other)
        XCTAssertThrowsError(try LiteMedSAMModelFile.read(other)) { error in
            XCTAssertTrue("\(error)".contains("not a LiteMedSAM model file"), "\(error)")
        }
        XCTAssertThrowsError(try UMedSAMNetwork(backbone: WeightStore([:]), lossTermCount: nil))
    }
}
