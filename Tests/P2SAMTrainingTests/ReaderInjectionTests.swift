import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMTensor
import XCTest

/// `injection` = `reader`: z is added to P²SAM's reader tokens only (isolated token context), so at z = 0 the fused
/// mask is LiteMedSAM's own and a latent moves only how the readers read the unchanged decoder.
final class ReaderInjectionTests: XCTestCase {
    static func readerConfiguration() -> P2SAMConfiguration {
        IsolatedTokenContextTests.isolated(.reader, prompt: .fullBox)
    }

    func testZeroLatentDrawsLiteMedSAMsMaskAndALatentMovesIt() throws {
        let store = try TestCheckpoint.weights()
        let box: [Float] = [40, 52, 190, 170]
        let model = try LiteMedSAMModel(weights: store)
        let embedding = model.embed(Tensor(shape: [3, 256, 256], storage: try SyntheticInputs.modelInput(seed: 3)))
        let reference = model.decode(
            [Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))], embedding: embedding,
            selection: .single
        ).logits.reshaped([1, 256, 256])

        let configuration = Self.readerConfiguration()
        let set = try ModelInitialisation.stageOne(
            from: store, configuration: configuration, seed: 1, tokenNoiseScale: 0)
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 1)
        XCTAssertFalse(set.names.contains { $0.hasPrefix("fcomb.") }, "reader injection has no Fcomb")
        let network = P2SAMNetwork(configuration: configuration, parameters: set)
        let zero = [Float](repeating: 0, count: 256)
        let moved = (0..<256).map { Float(sin(Double($0))) }
        let logits = network.assembledLogits(embedding: embedding, latents: [zero, moved], box: box)
        let size = reference.count
        let atZero = zip(logits.storage[0..<size], reference.storage).map { abs($0 - $1) }.max()!
        let byLatent = zip(logits.storage[size..<(2 * size)], logits.storage[0..<size]).map { abs($0 - $1) }.max()!
        print("reader injection: z = 0 vs LiteMedSAM max |Δlogit| \(atZero); a unit-scale z moves it by \(byLatent)")
        XCTAssertLessThan(atZero, IsolatedTokenContextTests.tolerance)
        XCTAssertGreaterThan(byLatent, 1, "the latent did not reach the readers")
    }

    func testReaderInjectionNeedsTheIsolatedContext() throws {
        var metadata = Self.readerConfiguration().metadata
        XCTAssertEqual(metadata["injection"], "reader")
        XCTAssertEqual(try P2SAMConfiguration(metadata: metadata).injection, .reader)
        metadata[MaskTokenContext.metadataKey] = nil
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
            XCTAssertTrue("\(error)".contains("reader"), "\(error)")
            XCTAssertTrue("\(error)".contains(MaskTokenContext.metadataKey), "\(error)")
        }
        var shared = Self.readerConfiguration()
        shared.maskTokenContext = .shared
        shared.maskTokenCount = P2SAMConfiguration.maskTokenCount(context: .shared)
        XCTAssertThrowsError(
            try ModelInitialisation.stageOne(from: try TestCheckpoint.weights(), configuration: shared, seed: 1)
        ) { error in
            XCTAssertTrue("\(error)".contains("reader injection needs the isolated"), "\(error)")
        }
    }
}
