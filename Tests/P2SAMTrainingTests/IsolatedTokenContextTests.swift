import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMLayers
import SAMTensor
import XCTest

/// The isolated mask token context (metadata `mask_token_context` = `isolated`): P²SAM's outputs are readers of
/// LiteMedSAM's decoder, so at initialisation (copies of token 0 without noise) every reader draws LiteMedSAM's
/// own mask; the shared 9-token layout does not, which is what the option guards against.
final class IsolatedTokenContextTests: XCTestCase {
    /// The largest |Δlogit| allowed between a reader and LiteMedSAM's single mask (logits reach tens). A reader that
    /// copies token 0 is not bit-identical to it: in the token self-attention it sees the core (with token 0) and its
    /// own key, i.e. token 0's key twice. The bound is a small fraction of the logits' range and far below the
    /// shared 9-token init's error, which the test also checks.
    static let tolerance: Float = 0.5
    /// The largest share of pixels where a reader's mask (logit > 0) may differ from LiteMedSAM's.
    static let maskTolerance = 0.005
    /// The core's token 0 must be LiteMedSAM's output up to the decoder's own training/inference parity
    /// (`DecoderParityTests`).
    static let coreTolerance: Float = 1e-3

    /// An isolated configuration (12 mask tokens) with the light PGN.
    static func isolated(_ injection: LatentInjection, prompt: DefaultPrompt) -> P2SAMConfiguration {
        var configuration = P2SAMConfiguration(
            maskTokenCount: P2SAMConfiguration.maskTokenCount(context: .isolated), injection: injection,
            defaultPrompt: prompt)
        configuration.maskTokenContext = .isolated
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        return configuration
    }

    /// An isolated configuration with dense injection (no z-token).
    static func isolatedDense() -> P2SAMConfiguration { isolated(.dense, prompt: .none) }

    /// LiteMedSAM's single-mask logits `[1, 256, 256]` for the box, and the embedding they came from.
    private func liteMedSAM(box: [Float]) throws -> (logits: Tensor, embedding: Tensor) {
        let model = try LiteMedSAMModel(weights: try TestCheckpoint.weights())
        let input = try SyntheticInputs.modelInput(seed: 3)
        let embedding = model.embed(Tensor(shape: [3, 256, 256], storage: input))
        let logits = model.decode(
            [Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))], embedding: embedding,
            selection: .single
        ).logits
        return (logits.reshaped([1, 256, 256]), embedding)
    }

    /// The largest |Δ| between each of `logits`' n masks `[n, 256, 256]` and `reference` `[1, 256, 256]`.
    private func differences(_ logits: Tensor, from reference: Tensor) -> [Float] {
        let size = reference.count
        return (0..<logits.shape[0]).map { i in
            zip(logits.storage[(i * size)..<((i + 1) * size)], reference.storage).map { abs($0 - $1) }.max()!
        }
    }

    func testEveryIsolatedReaderDrawsLiteMedSAMsMaskAndTheSharedInitDoesNot() throws {
        let store = try TestCheckpoint.weights()
        let box: [Float] = [40, 52, 190, 170]
        let (reference, embedding) = try liteMedSAM(box: box)

        // Isolated, dense injection, stage 2 at its init (Fcomb's last layer 0: the dense map is no_mask_embed).
        let isolated = Self.isolatedDense()
        let set = try ModelInitialisation.stageOne(from: store, configuration: isolated, seed: 1, tokenNoiseScale: 0)
        ModelInitialisation.addStageTwoModules(to: set, configuration: isolated, seed: 1)
        let network = P2SAMNetwork(configuration: isolated, parameters: set)
        let readers = Array(4..<12)
        let readerErrors = differences(
            network.tokenLogits(embedding: embedding, tokens: readers, box: box), from: reference)
        // The fused output with a latent sample (z reaches nothing at Fcomb's init).
        let z = (0..<256).map { Float(sin(Double($0))) }
        let fused = network.assembledLogits(embedding: embedding, latents: [z], box: box)
        let fusedError = differences(fused, from: reference)[0]
        // The core's token 0 is LiteMedSAM's own output as well.
        let coreError = differences(network.tokenLogits(embedding: embedding, tokens: [0], box: box), from: reference)[
            0]

        // The shared 9-token init, the same way (no noise): tokens 1…8 beside token 0.
        var sharedConfiguration = P2SAMConfiguration(injection: .dense, defaultPrompt: .none)
        sharedConfiguration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let sharedSet = try ModelInitialisation.stageOne(
            from: store, configuration: sharedConfiguration, seed: 1, tokenNoiseScale: 0)
        let shared = P2SAMNetwork(configuration: sharedConfiguration, parameters: sharedSet)
        let sharedErrors = differences(
            shared.tokenLogits(embedding: embedding, tokens: Array(1..<9), box: box), from: reference)
        let largest = reference.storage.map(abs).max()!
        print(
            "isolated readers vs LiteMedSAM: max |Δlogit| \(readerErrors.max()!) (fused \(fusedError), core token 0 \(coreError)); "
                + "shared 9-token init: \(sharedErrors.min()!)…\(sharedErrors.max()!); |logit| up to \(largest)")
        for (reader, error) in zip(readers, readerErrors) {
            XCTAssertLessThan(error, Self.tolerance, "reader \(reader)")
        }
        XCTAssertLessThan(fusedError, Self.tolerance)
        XCTAssertLessThan(coreError, Self.coreTolerance)
        let changed = zip(fused.storage, reference.storage).filter { ($0 > 0) != ($1 > 0) }.count
        let share = Double(changed) / Double(reference.count)
        print("fused mask vs LiteMedSAM's: \(changed) of \(reference.count) pixels differ")
        XCTAssertLessThan(share, Self.maskTolerance)
        for (token, error) in zip(1..<9, sharedErrors) {
            XCTAssertGreaterThan(
                error, Self.tolerance, "shared token \(token) should not match: the test could not fail")
        }
    }

    /// Changing one reader changes neither the core (LiteMedSAM's token 0, and so the image path) nor any other
    /// reader; in the shared layout it changes both.
    func testAReaderIsSeenByNoOtherTokenNorTheImage() throws {
        let store = try TestCheckpoint.weights()
        let box: [Float] = [40, 52, 190, 170]
        let (_, embedding) = try liteMedSAM(box: box)
        func effectOfChangingToken(_ changed: Int, on watched: [Int], _ configuration: P2SAMConfiguration) throws
            -> [Float]
        {
            let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 4)
            let before = P2SAMNetwork(configuration: configuration, parameters: set)
                .tokenLogits(embedding: embedding, tokens: watched, box: box)
            var tokens = set["mask_decoder.mask_tokens.weight"].value
            for i in 0..<256 { tokens.storage[changed * 256 + i] += Float(cos(Double(i))) }
            set["mask_decoder.mask_tokens.weight"].value = tokens
            let after = P2SAMNetwork(configuration: configuration, parameters: set)
                .tokenLogits(embedding: embedding, tokens: watched, box: box)
            let size = 256 * 256
            return (0..<watched.count).map { w in
                zip(before.storage[(w * size)..<((w + 1) * size)], after.storage[(w * size)..<((w + 1) * size)])
                    .map { abs($0 - $1) }.max()!
            }
        }
        let isolated = try effectOfChangingToken(5, on: [0, 4, 6, 5], Self.isolatedDense())
        var sharedConfiguration = P2SAMConfiguration(injection: .dense, defaultPrompt: .none)
        sharedConfiguration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let shared = try effectOfChangingToken(2, on: [0, 1, 3], sharedConfiguration)
        print(
            "changing one reader moves token 0, readers 4, 6 by \(isolated[0..<3]), itself by \(isolated[3]); shared: \(shared)"
        )
        XCTAssertEqual(isolated[0], 0, "the core saw the reader")
        XCTAssertEqual(isolated[1], 0, "reader 4 saw reader 5")
        XCTAssertEqual(isolated[2], 0, "reader 6 saw reader 5")
        XCTAssertGreaterThan(isolated[3], 0.1, "the change had no effect: the test could not fail")
        XCTAssertTrue(shared.allSatisfy { $0 > 0.01 }, "the shared layout should mix its tokens: \(shared)")
    }

    func testTheIsolatedInitKeepsTheCheckpointsTokensAndCopiesToken0() throws {
        let store = try TestCheckpoint.weights()
        let set = try ModelInitialisation.stageOne(from: store, configuration: Self.isolatedDense(), seed: 2)
        let checkpoint = try LiteMedSAMModel(weights: store).maskDecoder
        let tokens = set["mask_decoder.mask_tokens.weight"].value
        XCTAssertEqual(tokens.shape, [12, 256])
        XCTAssertEqual(Array(tokens.storage[0..<(4 * 256)]), checkpoint.maskTokens.values)
        for reader in 4..<12 {
            let row = Array(tokens.storage[(reader * 256)..<((reader + 1) * 256)])
            let offset = zip(row, checkpoint.maskTokens.values[0..<256]).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(offset, 0, "reader \(reader) has no noise")
            XCTAssertLessThan(offset, 0.2, "reader \(reader) is not a copy of token 0")
        }
        XCTAssertEqual(set["p2sam.assembling_weights"].value.storage, [Float](repeating: 1.0 / 8, count: 8))
        XCTAssertEqual(set["mask_decoder.iou_prediction_head.layers.2.weight"].value.shape, [12, 256])
        XCTAssertTrue(set.names.contains("mask_decoder.output_hypernetworks_mlps.11.layers.2.bias"))
    }

    func testUnknownContextsAndMismatchedFilesAreRefusedByName() throws {
        let base = P2SAMConfiguration(injection: .dense, defaultPrompt: .none).metadata
        XCTAssertNil(base[MaskTokenContext.metadataKey], "a shared model must not write the key")
        var bad = base
        bad[MaskTokenContext.metadataKey] = "separate"
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: bad)) { error in
            XCTAssertTrue("\(error)".contains("mask_token_context"), "\(error)")
            XCTAssertTrue("\(error)".contains("separate"), "\(error)")
        }
        let isolated = try P2SAMConfiguration(metadata: Self.isolatedDense().metadata)
        XCTAssertEqual(isolated.maskTokenContext, .isolated)
        XCTAssertEqual(isolated.maskTokenCount, 12)
        XCTAssertEqual(isolated.outputCount, 8)

        // A shared model's tensors under isolated metadata: the strict reader names the mismatch.
        let store = try TestCheckpoint.weights()
        var sharedConfiguration = P2SAMConfiguration(injection: .dense, defaultPrompt: .none)
        sharedConfiguration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let sharedSet = try ModelInitialisation.stageOne(from: store, configuration: sharedConfiguration, seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-iso-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("m.safetensors")
        var metadata = P2SAMModelFile.metadata(
            configuration: sharedConfiguration, stage: 1, baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256,
            dataset: "none", split: "none", epochs: 0, seed: 1, notes: "")
        metadata[MaskTokenContext.metadataKey] = MaskTokenContext.isolated.rawValue
        try P2SAMModelFile.write(sharedSet, stage: 1, metadata: metadata, to: file)
        XCTAssertThrowsError(
            try P2SAMModelFile.readTrainable(
                file, backbone: store, baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256)
        ) { error in
            XCTAssertTrue("\(error)".contains("mask_decoder."), "\(error)")
        }
        XCTAssertThrowsError(try P2SAMModel(modelFile: file, backbone: TestCheckpoint.url)) { error in
            XCTAssertTrue("\(error)".contains("mask_decoder."), "\(error)")
        }

        // An isolated configuration with another token count cannot be initialised.
        var wrong = Self.isolatedDense()
        wrong.maskTokenCount = 9
        XCTAssertThrowsError(try ModelInitialisation.stageOne(from: store, configuration: wrong, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("mask token context isolated"), "\(error)")
        }
    }
}
