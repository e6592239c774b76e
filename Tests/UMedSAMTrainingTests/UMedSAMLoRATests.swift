import Foundation
import LiteMedSAM
import P2SAMTraining
import SAMLayers
import SAMTensor
import SeededSampling
import UMedSAMTraining
import XCTest

/// Encoder LoRA as a trainable part of U-MedSAM: zero-initialised LoRA leaves the encoder unchanged, a step
/// trains exactly the decoder, the LoRA factors and σ, and the written model file (LoRA merged into `qkv`)
/// runs the adapted encoder as LiteMedSAM.
final class UMedSAMLoRATests: XCTestCase {
    /// A smooth synthetic model input `[3, 256, 256]` in [0, 1] with a bright disc.
    static func modelInput() -> Tensor {
        Tensor(shape: [3, 256, 256]) { out in
            for c in 0..<3 {
                for y in 0..<256 {
                    for x in 0..<256 {
                        let inside = (x - 120) * (x - 120) + (y - 100) * (y - 100) <= 900
                        out[(c * 256 + y) * 256 + x] = Float(
                            0.2 + 0.1 * Double((x + 2 * y + c) % 7) / 7 + (inside ? 0.5 : 0))
                    }
                }
            }
        }
    }

    /// The disc's mask in the 256 frame.
    static func discMask() -> [UInt8] {
        (0..<(256 * 256)).map { i in
            let (x, y) = (i % 256, i / 256)
            return (x - 120) * (x - 120) + (y - 100) * (y - 100) <= 900 ? 1 : 0
        }
    }

    func values(_ store: WeightStore, _ key: String) throws -> [Float] {
        var copy = store
        return try copy.take(key, shape: store.shape(of: key)!)
    }

    func testZeroInitialisedLoRAGivesTheFrozenEncodersEmbedding() throws {
        let store = try UMedSAMFixtures.weights()
        let plain = try LiteMedSAMModel(weights: store).imageEncoder
        let network = try UMedSAMNetwork(backbone: store, lossTermCount: 4, loraRank: 2, loraSeed: 3)
        XCTAssertEqual(network.loraRank, 2)
        XCTAssertEqual(network.loraFactorNames.count, 4 * TinyViTEncoder.loraLayouts().count)
        let item = UMedSAMCase(
            dataset: "synthetic", caseID: "a", layerZeroOutput: plain.layerZeroOutput(Self.modelInput()),
            mask: Self.discMask(), resizedHeight: 256, resizedWidth: 256)
        XCTAssertNil(item.cachedEmbedding)
        let expected = plain.embedding(fromLayerZeroOutput: item.layerZeroOutput!)
        XCTAssertEqual(try network.snapshot().embedding(of: item), expected)
        // The merged state dict equals the backbone (B = 0).
        let merged = try network.currentWeights()
        for layout in TinyViTEncoder.loraLayouts() {
            XCTAssertEqual(try values(merged, layout.key + ".weight"), try values(store, layout.key + ".weight"))
        }
    }

    func testLoRAStepTrainsTheFactorsAndTheModelFileRunsTheAdaptedEncoder() throws {
        let store = try UMedSAMFixtures.weights()
        let plain = try LiteMedSAMModel(weights: store).imageEncoder
        let network = try UMedSAMNetwork(backbone: store, lossTermCount: 4, loraRank: 2, loraSeed: 3)
        let options = UMedSAMOptions(
            sharpnessAware: false, trainable: .decoderAndLoRA, loraRank: 2, boxJitter: 0, batchSize: 1,
            learningRate: 1e-2)
        let recipe = try UMedSAMTrainer(network: network, options: options)
        let names = Set(recipe.trainer.trainableNames)
        XCTAssertTrue(Set(network.loraFactorNames).isSubset(of: names))
        XCTAssertTrue(
            names.allSatisfy {
                $0.hasPrefix("mask_decoder.") || LoRAParameters.isFactor($0) || $0 == UMedSAMNetwork.sigmaKey
            })
        let input = Self.modelInput()
        let item = UMedSAMCase(
            dataset: "synthetic", caseID: "a", layerZeroOutput: plain.layerZeroOutput(input), mask: Self.discMask(),
            resizedHeight: 256, resizedWidth: 256)
        let bKey = network.loraFactorNames.first { $0.hasSuffix(".b") }!
        XCTAssertTrue(network.parameters[bKey].value.storage.allSatisfy { $0 == 0 })
        let loss = try recipe.step([item], random: SeededRandom(seed: 2))
        XCTAssertTrue(loss.isFinite)
        XCTAssertFalse(network.parameters[bKey].value.storage.allSatisfy { $0 == 0 }, "the LoRA B factor did not train")

        // The written file is a plain LiteMedSAM model whose encoder is the adapted one.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("umedsam-lora-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try LiteMedSAMModelFile.write(try network.currentWeights(), metadata: ["recipe": "test"], to: url)
        let (weights, _) = try LiteMedSAMModelFile.read(url)
        let loaded = try LiteMedSAMModel(weights: weights)
        let fromFile = loaded.embed(input)
        // Independent merge: P²SAM's LoRA encoder over the same factors.
        let reference = try LoRAParameters.encoder(backbone: store, adaptedBy: network.parameters)(input)
        XCTAssertLessThan(fromFile.maxAbsDifference(reference), 1e-4)
        XCTAssertGreaterThan(
            fromFile.maxAbsDifference(plain(input)), 1e-4, "the trained LoRA does not change the embedding")
        // Validation scores the same adapted encoder.
        let snapshotEmbedding = try network.snapshot().embedding(of: item)
        XCTAssertEqual(snapshotEmbedding, loaded.imageEncoder.embedding(fromLayerZeroOutput: item.layerZeroOutput!))
    }

    func testLoRAOptionsAreChecked() throws {
        XCTAssertThrowsError(try UMedSAMOptions(trainable: .decoder, loraRank: 4).validate())
        XCTAssertThrowsError(try UMedSAMOptions(trainable: .decoderAndLoRA, loraRank: 0).validate())
        XCTAssertEqual(UMedSAMOptions(trainable: .decoderAndLoRA).encoderLoRARank, UMedSAMOptions.defaultLoRARank)
        XCTAssertNil(UMedSAMOptions(trainable: .decoderAndPromptEncoder).encoderLoRARank)
        let network = try UMedSAMNetwork(backbone: try UMedSAMFixtures.weights(), lossTermCount: 4)
        XCTAssertThrowsError(try UMedSAMTrainer(network: network, options: UMedSAMOptions(trainable: .decoderAndLoRA)))
    }
}
