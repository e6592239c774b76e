import AutoMedSAM
import AutoMedSAMTraining
import Foundation
import LiteMedSAM
import MedImageIO
import SAMTensor
import SeededSampling
import Training
import XCTest

/// Regression test for the empty-mask failure of the first ACDC runs: with LiteMedSAM's real decoder, a
/// few optimiser steps of the default recipe on a tiny synthetic label map must lift the training Dice
/// well above the all-empty value (0), and the per-class tokens must start the model prompting the
/// decoder with non-empty masks. Needs `Models/lite_medsam.pth` (skipped without it; no shared data).
final class ConvergenceTests: XCTestCase {
    static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/lite_medsam.pth")

    /// A 256x256 grey image with a bright disc (class 1) centred at `disc` and a mid-grey square (class 2)
    /// with corner `square`, over a textured background; and its label map.
    static func slice(disc: (Int, Int), square: (Int, Int), seed: UInt64) throws -> (MedicalImage, [UInt8]) {
        let random = SeededRandom(seed: seed)
        var pixels = [Float](repeating: 0, count: 256 * 256)
        var labels = [UInt8](repeating: 0, count: 256 * 256)
        for y in 0..<256 {
            for x in 0..<256 {
                var value = 40 + 20 * sin(Float(x) / 9) * cos(Float(y) / 13) + Float(random.gaussian(sigma: 4))
                if (x - disc.0) * (x - disc.0) + (y - disc.1) * (y - disc.1) < 28 * 28 {
                    value = 220 + Float(random.gaussian(sigma: 4))
                    labels[y * 256 + x] = 1
                } else if (square.0..<(square.0 + 50)).contains(x) && (square.1..<(square.1 + 50)).contains(y) {
                    value = 140 + Float(random.gaussian(sigma: 4))
                    labels[y * 256 + x] = 2
                }
                pixels[y * 256 + x] = min(max(value, 0), 255)
            }
        }
        return (try MedicalImage(width: 256, height: 256, channels: 1, pixels: pixels), labels)
    }

    static func dice(_ logits: Tensor, _ mask: [UInt8]) -> Double {
        var (intersection, predicted, truth) = (0, 0, 0)
        for i in mask.indices {
            let p = logits.storage[i] > 0
            let t = mask[i] != 0
            if p { predicted += 1 }
            if t { truth += 1 }
            if p && t { intersection += 1 }
        }
        return predicted + truth == 0 ? 1 : 2 * Double(intersection) / Double(predicted + truth)
    }

    func testDefaultRecipeLearnsATinyLabelMap() throws {
        guard FileManager.default.fileExists(atPath: Self.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: Self.checkpoint, verifyChecksum: false)
        let base = try LiteMedSAMModel(weights: store)
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "disc", 2: "square"], branches: .both, noiseSteps: 10, classTokens: true)
        var examples: [AutoMedSAMExample] = []
        for (i, (disc, square)) in [((80, 90), (150, 150)), ((170, 80), (60, 150))].enumerated() {
            let (image, labels) = try Self.slice(disc: disc, square: square, seed: UInt64(i + 1))
            let input = try LiteMedSAMPreprocessor.preprocess(image)
            let embedding = base.embed(Tensor(shape: [3, 256, 256], storage: input.tensor))
            for (row, id) in configuration.classIDs.enumerated() {
                examples.append(
                    AutoMedSAMExample(
                        caseID: "slice\(i)", classID: id, classRow: row, embedding: embedding,
                        mask: labels.map { Int($0) == id ? 1 : 0 }))
            }
        }
        let network = try AutoMedSAMNetwork(configuration: configuration, checkpoint: store, seed: 1)
        let options = AutoMedSAMTrainingOptions(batchSize: 4)
        let run = AutoMedSAMTrainingRun(
            network: network, options: options, training: examples, validation: [],
            output: URL(fileURLWithPath: "/dev/null"))
        // Without class tokens the untrained model prompts the decoder with nothing useful: empty masks.
        let empty = try network.currentLogits(examples)
        XCTAssertTrue(empty.allSatisfy { $0.storage.allSatisfy { $0 <= 0 } }, "an untrained model predicted pixels")
        network.initialiseClassTokens(from: examples)
        let started = try network.currentLogits(examples)
        XCTAssertGreaterThan(
            started.map { $0.storage.filter { $0 > 0 }.count }.reduce(0, +), 0,
            "the class tokens (mean box tokens) must give non-empty first masks")
        let trainer = try run.makeTrainer()
        let random = SeededRandom(seed: 2)
        for _ in 0..<Self.steps { _ = try trainer.step(examples, random: random) }
        let trained = try network.currentLogits(examples)
        let dice = zip(trained, examples).map { Self.dice($0.0, $0.1.mask) }
        let mean = dice.reduce(0, +) / Double(dice.count)
        XCTAssertGreaterThan(mean, 0.5, "training Dice per example after \(Self.steps) steps: \(dice)")
        XCTAssertTrue(dice.allSatisfy { $0 > 0.2 }, "an example stayed (nearly) empty: \(dice)")
    }

    static let steps = 12
}
