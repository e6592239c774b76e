import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor
import TorchCheckpoint
import XCTest

final class P2SAMSamplerTests: XCTestCase {
    /// A 128x128 grey image with a bright disk.
    static let image: MedicalImage = {
        var pixels = [Float](repeating: 0, count: 128 * 128)
        for y in 0..<128 {
            for x in 0..<128 {
                let d = (Double(x - 70) * Double(x - 70) + Double(y - 60) * Double(y - 60)).squareRoot()
                pixels[y * 128 + x] = Float(50 + 30 * sin(Double(x) / 9) + (d < 18 ? 140 : 0))
            }
        }
        return try! MedicalImage(width: 128, height: 128, channels: 1, pixels: pixels)
    }()

    func testFusedLogitsAreTheWeightedSumOfTheDecoderOutputs() throws {
        try IdentityModel.requireCheckpoint()
        let model = try IdentityModel.model(injection: .dense)
        let sampler = P2SAMSampler(model: model)
        let prepared = try sampler.prepare(Self.image)
        let latents = sampler.latents(for: prepared, count: 3, seed: 5)
        let fused = sampler.fusedLogits(for: prepared, latents: latents)
        // With Fcomb's last layer zero and bias no_mask_embed, dense injection equals the no-mask map.
        let direct = model.maskDecoder(
            imageEmbedding: prepared.embedded.embedding,
            positionalEncoding: model.promptEncoder.densePositionalEncoding,
            sparseTokens: [prepared.promptTokens], dense: .constant(model.promptEncoder.noMaskEmbed),
            selection: .multimask)
        XCTAssertEqual(direct.logits.shape, [1, 8, 256, 256])
        for k in 0..<3 {
            var worst: Float = 0
            for p in stride(from: 0, to: 65536, by: 7) {
                var expected: Float = 0
                for i in 0..<8 { expected += model.assemblingWeights[i] * direct.logits.storage[i * 65536 + p] }
                worst = max(worst, abs(fused.storage[k * 65536 + p] - expected))
            }
            XCTAssertLessThan(worst, 1e-4, "sample \(k)")
        }
        // The default full-box prompt makes two sparse tokens.
        XCTAssertEqual(prepared.promptTokens.count, 2 * 256)
    }

    func testSameSeedGivesIdenticalMasksAndOtherSeedsDiffer() throws {
        try IdentityModel.requireCheckpoint()
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let prepared = try sampler.prepare(Self.image)
        var first: [MaskImage] = []
        var second: [MaskImage] = []
        let stats = try sampler.sample(prepared, count: 6, seed: 11) { _, mask in first.append(mask) }
        _ = try sampler.sample(prepared, count: 6, seed: 11) { _, mask in second.append(mask) }
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.count, 6)
        XCTAssertEqual([first[0].width, first[0].height], [128, 128])
        let a = sampler.latents(for: prepared, count: 2, seed: 11)
        let b = sampler.latents(for: prepared, count: 2, seed: 12)
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a[0], a[1])
        // Frequency is the mean of the masks.
        for p in stride(from: 0, to: 128 * 128, by: 97) {
            let mean = Float(first.filter { $0.pixels[p] != 0 }.count) / 6
            XCTAssertEqual(stats.frequency[p], mean, accuracy: 1e-6)
        }
        XCTAssertTrue(stats.entropy.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testLatentsFollowMeanAndDeviation() throws {
        try IdentityModel.requireCheckpoint()
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let prepared = try sampler.prepare(Self.image)
        XCTAssertEqual(prepared.mean.count, 256)
        XCTAssertTrue(
            prepared.standardDeviation.allSatisfy { abs($0 - 0.5) < 1e-5 }, "log σ bias log 0.5 with zero-mean features"
        )
        let z = sampler.latents(for: prepared, count: 400, seed: 3)
        var sum = 0.0
        var squares = 0.0
        for sample in z {
            let d = Double(sample[17] - prepared.mean[17])
            sum += d
            squares += d * d
        }
        XCTAssertEqual(sum / 400, 0, accuracy: 0.08)
        XCTAssertEqual((squares / 400).squareRoot(), 0.5, accuracy: 0.06)
    }

    func testSampleCountIsBounded() throws {
        try IdentityModel.requireCheckpoint()
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let prepared = try sampler.prepare(Self.image)
        XCTAssertThrowsError(try sampler.sample(prepared, count: 0, seed: 1)) {
            XCTAssertTrue("\($0)".contains("sample count 0"))
        }
        XCTAssertThrowsError(try sampler.sample(prepared, count: P2SAMSampler.maximumSampleCount + 1, seed: 1))
    }

    func testModelFileRoundTripAndMismatchedFilesAreRefused() throws {
        try IdentityModel.requireCheckpoint()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let parameters = try IdentityModel.parameters(injection: .sparse)
        func write(_ params: [String: NamedWeight], metadata: [String: String], to name: String) throws -> URL {
            let url = directory.appendingPathComponent(name)
            let bytes = try Safetensors.encode(
                params.sorted { $0.key < $1.key }.map {
                    ($0.key, Tensor(shape: $0.value.shape, storage: $0.value.values))
                }, metadata: metadata)
            try Data(bytes).write(to: url)
            return url
        }
        let good = try write(parameters, metadata: IdentityModel.metadata(injection: .sparse), to: "good.safetensors")
        let model = try P2SAMModel(modelFile: good, backbone: IdentityModel.checkpoint)
        XCTAssertEqual(model.configuration.injection, .sparse)
        XCTAssertEqual(model.assemblingWeights, [Float](repeating: 0.125, count: 8))

        var missing = parameters
        missing.removeValue(forKey: "pgn.head.bias")
        let noHead = try write(missing, metadata: IdentityModel.metadata(injection: .sparse), to: "missing.safetensors")
        XCTAssertThrowsError(try P2SAMModel(modelFile: noHead, backbone: IdentityModel.checkpoint)) {
            XCTAssertTrue("\($0)".contains("pgn.head.bias"), "\($0)")
        }

        var wrongShape = parameters
        wrongShape["mask_decoder.mask_tokens.weight"] = NamedWeight(
            shape: [4, 256], values: [Float](repeating: 0, count: 1024))
        let fourTokens = try write(
            wrongShape, metadata: IdentityModel.metadata(injection: .sparse), to: "shape.safetensors")
        XCTAssertThrowsError(try P2SAMModel(modelFile: fourTokens, backbone: IdentityModel.checkpoint)) {
            XCTAssertTrue("\($0)".contains("mask_tokens"), "\($0)")
        }

        var otherBackbone = IdentityModel.metadata(injection: .sparse)
        otherBackbone["base_checkpoint_sha256"] = String(repeating: "0", count: 64)
        let other = try write(parameters, metadata: otherBackbone, to: "other.safetensors")
        XCTAssertThrowsError(try P2SAMModel(modelFile: other, backbone: IdentityModel.checkpoint)) {
            XCTAssertTrue("\($0)".contains("backbone"), "\($0)")
        }

        let noFormat = try write(parameters, metadata: [:], to: "plain.safetensors")
        XCTAssertThrowsError(try P2SAMModel(modelFile: noFormat, backbone: IdentityModel.checkpoint)) {
            XCTAssertTrue("\($0)".contains("format"), "\($0)")
        }
    }
}
