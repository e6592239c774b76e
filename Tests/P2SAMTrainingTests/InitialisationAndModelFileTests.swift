import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import TorchCheckpoint
import XCTest

final class InitialisationAndModelFileTests: XCTestCase {
    func testStageOneInitialisationFollowsTheContract() throws {
        let store = try TestCheckpoint.weights()
        let set = try ModelInitialisation.stageOne(from: store, configuration: P2SAMConfiguration(), seed: 5)
        let tokens = set["mask_decoder.mask_tokens.weight"].value
        XCTAssertEqual(tokens.shape, [9, 256])
        let original = try {
            var s = store
            return try s.take("mask_decoder.mask_tokens.weight", shape: [4, 256])
        }()
        XCTAssertEqual(Array(tokens.storage[0..<256]), Array(original[0..<256]))
        for t in 1..<9 {
            let row = Array(tokens.storage[(t * 256)..<((t + 1) * 256)])
            let difference = zip(row, original[0..<256]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(difference, 0, "token \(t) is an exact copy")
            XCTAssertLessThan(difference, 0.5, "token \(t) is far from token 0")
        }
        XCTAssertEqual(set["mask_decoder.output_hypernetworks_mlps.8.layers.2.weight"].value.shape, [32, 256])
        XCTAssertFalse(set.contains("mask_decoder.output_hypernetworks_mlps.9.layers.0.weight"))
        XCTAssertEqual(set["mask_decoder.iou_prediction_head.layers.2.weight"].value.shape, [9, 256])
        XCTAssertEqual(set["p2sam.assembling_weights"].value.storage, [Float](repeating: 0.125, count: 8))
        let again = try ModelInitialisation.stageOne(from: store, configuration: P2SAMConfiguration(), seed: 5)
        XCTAssertEqual(again["mask_decoder.mask_tokens.weight"].value, tokens, "initialisation must be reproducible")

        // The widened decoder parameters are exactly what a 9-token decoder declares.
        var decoderWeights: [String: NamedWeight] = [:]
        for name in set.names where name.hasPrefix(MaskDecoder.defaultKey + ".") {
            decoderWeights[name] = NamedWeight(shape: set[name].value.shape, values: set[name].value.storage)
        }
        var decoderStore = WeightStore(decoderWeights)
        let decoder = try MaskDecoder(&decoderStore, maskTokenCount: 9)
        XCTAssertNoThrow(try decoderStore.finish())
        XCTAssertEqual(Set(decoder.parameterDeclarations.map(\.key)), Set(decoderWeights.keys))
        for declaration in decoder.parameterDeclarations {
            XCTAssertEqual(decoderWeights[declaration.key]?.shape, declaration.shape)
        }

        ModelInitialisation.addStageTwoModules(to: set, configuration: P2SAMConfiguration(injection: .dense), seed: 5)
        XCTAssertEqual(set["pgn.blocks.0.convs.0.weight"].value.shape, [32, 1, 3, 3])
        XCTAssertEqual(set["pgn.blocks.3.convs.2.weight"].value.shape, [192, 192, 3, 3])
        XCTAssertEqual(set["pgn.head.weight"].value.shape, [512, 192])
        XCTAssertEqual(set["fcomb.layers.0.weight"].value.shape, [256, 512])
        XCTAssertEqual(
            set["fcomb.layers.3.bias"].value.storage, set["prompt_encoder.no_mask_embed.weight"].value.storage)
    }

    func testModelFileRoundTripAndStrictErrors() throws {
        let store = try TestCheckpoint.weights()
        let configuration = P2SAMConfiguration(
            injection: .sparse, defaultPrompt: .fullBox, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 2)
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 2)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("m.safetensors")
        let sha = LiteMedSAMCheckpoint.officialSHA256
        let meta = P2SAMModelFile.metadata(
            configuration: configuration, stage: 2, baseCheckpointSHA256: sha,
            dataset: "synthetic", split: "index", epochs: 1, seed: 2, notes: "")
        try P2SAMModelFile.write(set, stage: 2, metadata: meta, to: url)
        let loaded = try P2SAMModelFile.readTrainable(url, backbone: store, baseCheckpointSHA256: sha)
        XCTAssertEqual(loaded.stage, 2)
        XCTAssertEqual(loaded.configuration.defaultPrompt, .fullBox)
        XCTAssertEqual(loaded.configuration.pgnWidths, P2SAMConfiguration.lightPGNWidths)
        XCTAssertEqual(loaded.parameters["pgn.head.bias"].value, set["pgn.head.bias"].value)
        XCTAssertEqual(loaded.parameters.names.count, set.names.count)

        // Another backbone.
        XCTAssertThrowsError(try P2SAMModelFile.readTrainable(url, backbone: store, baseCheckpointSHA256: "00")) {
            error in
            XCTAssertTrue("\(error)".contains("not on the loaded backbone"), "\(error)")
        }
        // A mis-shaped tensor.
        var file = try Safetensors.read(contentsOf: url)
        file.tensors["mask_decoder.mask_tokens.weight"] = Tensor(shape: [4, 256])
        let bad = directory.appendingPathComponent("bad.safetensors")
        try Data(
            Safetensors.encode(
                file.tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: file.metadata)
        ).write(to: bad)
        XCTAssertThrowsError(try P2SAMModelFile.readTrainable(bad, backbone: store, baseCheckpointSHA256: sha)) {
            error in
            XCTAssertTrue("\(error)".contains("mask_decoder.mask_tokens.weight"), "\(error)")
        }
        // A missing key (stage-2 file without its head).
        file = try Safetensors.read(contentsOf: url)
        file.tensors["pgn.head.weight"] = nil
        try Data(
            Safetensors.encode(
                file.tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: file.metadata)
        ).write(to: bad)
        XCTAssertThrowsError(try P2SAMModelFile.readTrainable(bad, backbone: store, baseCheckpointSHA256: sha)) {
            error in
            XCTAssertTrue("\(error)".contains("missing 1 key(s): pgn.head.weight"), "\(error)")
        }
    }
}
