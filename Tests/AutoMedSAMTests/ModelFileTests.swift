import AutoMedSAM
import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import XCTest

/// AutoMedSAM model files: a round trip keeps every tensor and the configuration; bad metadata, missing
/// tensors and unknown classes are clear errors.
final class ModelFileTests: XCTestCase {
    static func tensors(classes: Int, branches: PromptBranches) throws -> [(name: String, tensor: Tensor)] {
        var placeholder = WeightStore.placeholder()
        let decoder = try MaskDecoder(&placeholder)
        let declared =
            try Fixtures.encoderDeclarations(classes: classes, branches: branches)
            + decoder.parameterDeclarations
        let weights = Fixtures.randomWeights(declared, seed: 9)
        return declared.map { ($0.key, Tensor(shape: $0.shape, storage: weights[$0.key]!.values)) }
    }

    func testRoundTrip() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "right ventricle", 2: "myocardium", 5: "left ventricle"], branches: .both,
            denseAttentionSigmoid: false, noiseSteps: 7)
        let tensors = try Self.tensors(classes: 3, branches: .both)
        let url = folder.appendingPathComponent("sub/model.safetensors")
        try AutoMedSAMModelFile.write(
            tensors, metadata: configuration.metadata.merging(["notes": "x"]) { a, _ in a }, to: url)
        let file = try AutoMedSAMModelFile(contentsOf: url)
        XCTAssertEqual(file.configuration, configuration)
        XCTAssertEqual(file.metadata["notes"], "x")
        XCTAssertEqual(file.tensors.count, tensors.count)
        for (name, tensor) in tensors { XCTAssertEqual(file.tensors[name], tensor, name) }
        let layers = try file.layers()
        XCTAssertEqual(layers.classPromptEncoder.classCount, 3)
        XCTAssertFalse(layers.classPromptEncoder.dense!.attentionSigmoid)
        XCTAssertEqual(try configuration.row(ofClass: 5), 2)
        XCTAssertThrowsError(try configuration.row(ofClass: 4)) { error in
            XCTAssertTrue("\(error)".contains("class 4 is not one of the model's classes"), "\(error)")
        }
    }

    /// The additions (noise scale, positional input, class tokens) round-trip; a file written before them
    /// reads as the paper's model (scale 1, both off); a bad value is refused naming the key.
    func testAdditionsRoundTripAndOldFilesRead() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "a", 2: "b"], branches: .both, noiseSteps: 4, noiseScale: 0.25, positionalInput: true,
            classTokens: true)
        var placeholder = WeightStore.placeholder()
        let declared =
            try ClassPromptEncoder(
                &placeholder, classCount: 2, branches: .both, positionalInput: true, classTokens: true
            ).parameterDeclarations + (try MaskDecoder(&placeholder)).parameterDeclarations
        XCTAssertTrue(
            declared.contains { $0.key == "\(ClassPromptEncoder.classTokensKey()).weight" && $0.shape == [2, 512] })
        let weights = Fixtures.randomWeights(declared, seed: 3)
        let tensors = declared.map { ($0.key, Tensor(shape: $0.shape, storage: weights[$0.key]!.values)) }
        let url = folder.appendingPathComponent("model.safetensors")
        try AutoMedSAMModelFile.write(tensors, metadata: configuration.metadata, to: url)
        let file = try AutoMedSAMModelFile(contentsOf: url)
        XCTAssertEqual(file.configuration, configuration)
        XCTAssertEqual(file.configuration.noise, DiffusionNoise(steps: 4, scale: 0.25))
        let encoder = try file.layers().classPromptEncoder
        XCTAssertTrue(encoder.positionalInput)
        XCTAssertNotNil(encoder.classTokens)
        // Written before the additions: no keys → the paper's model.
        var old = configuration.metadata
        for key in ["noise_scale", "positional_input", "class_tokens"] { old.removeValue(forKey: key) }
        let read = try AutoMedSAMConfiguration(metadata: old)
        XCTAssertEqual(read.noiseScale, 1)
        XCTAssertFalse(read.positionalInput)
        XCTAssertFalse(read.classTokens)
        // The class tokens are required when configured (strict loading).
        let withoutTokens = tensors.filter { !$0.0.contains("class_tokens") }
        try AutoMedSAMModelFile.write(withoutTokens, metadata: configuration.metadata, to: url)
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: url).layers()) { error in
            XCTAssertTrue("\(error)".contains("class_tokens"), "\(error)")
        }
        var bad = configuration.metadata
        bad["positional_input"] = "yes"
        XCTAssertThrowsError(try AutoMedSAMConfiguration(metadata: bad)) { error in
            XCTAssertTrue("\(error)".contains("positional_input"), "\(error)")
        }
        bad = configuration.metadata
        bad["noise_scale"] = "-1"
        XCTAssertThrowsError(try AutoMedSAMConfiguration(metadata: bad))
    }

    func testBadFilesAreClearErrors() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = try AutoMedSAMConfiguration(classes: [1: "a", 2: "b"], branches: .sparse)
        var tensors = try Self.tensors(classes: 2, branches: .sparse)
        // Wrong format.
        let wrong = folder.appendingPathComponent("wrong.safetensors")
        var metadata = configuration.metadata
        metadata["format"] = "p2sam-v1"
        try AutoMedSAMModelFile.write(tensors, metadata: metadata, to: wrong)
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: wrong)) { error in
            XCTAssertTrue("\(error)".contains("automedsam-v1"), "\(error)")
        }
        // A tensor missing: the layers refuse, naming the key.
        tensors.removeLast()
        let short = folder.appendingPathComponent("short.safetensors")
        try AutoMedSAMModelFile.write(tensors, metadata: configuration.metadata, to: short)
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: short).layers()) { error in
            XCTAssertTrue("\(error)".contains("lacks the key"), "\(error)")
        }
        // Not a file.
        XCTAssertThrowsError(try AutoMedSAMModelFile(contentsOf: folder.appendingPathComponent("none")))
        // Bad configurations.
        XCTAssertThrowsError(try AutoMedSAMConfiguration(classes: [:], branches: .both))
        XCTAssertThrowsError(try AutoMedSAMConfiguration(classes: [0: "background"], branches: .both))
    }
}
