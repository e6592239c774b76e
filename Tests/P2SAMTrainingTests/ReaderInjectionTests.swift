import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMTensor
import XCTest

/// `injection` = `reader` / `reader-output`: z is added to P²SAM's reader tokens (or their output tokens) only (isolated
/// token context), so at z = 0 the fused mask is LiteMedSAM's own and a latent moves only how the readers read the
/// unchanged decoder.
final class ReaderInjectionTests: XCTestCase {
    static func readerConfiguration(_ injection: LatentInjection = .reader) -> P2SAMConfiguration {
        IsolatedTokenContextTests.isolated(injection, prompt: .fullBox)
    }

    func testZeroLatentDrawsLiteMedSAMsMaskAndALatentMovesIt() throws {
        try checkZeroLatentAndMovement(.reader)
    }

    func testReaderOutputZeroLatentDrawsLiteMedSAMsMaskAndALatentMovesIt() throws {
        try checkZeroLatentAndMovement(.readerOutput)
    }

    private func checkZeroLatentAndMovement(_ injection: LatentInjection) throws {
        let store = try TestCheckpoint.weights()
        let box: [Float] = [40, 52, 190, 170]
        let model = try LiteMedSAMModel(weights: store)
        let embedding = model.embed(Tensor(shape: [3, 256, 256], storage: try SyntheticInputs.modelInput(seed: 3)))
        let reference = model.decode(
            [Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))], embedding: embedding,
            selection: .single
        ).logits.reshaped([1, 256, 256])

        let configuration = Self.readerConfiguration(injection)
        let set = try ModelInitialisation.stageOne(
            from: store, configuration: configuration, seed: 1, tokenNoiseScale: 0)
        ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 1)
        XCTAssertFalse(set.names.contains { $0.hasPrefix("fcomb.") }, "\(injection.rawValue) injection has no Fcomb")
        let network = P2SAMNetwork(configuration: configuration, parameters: set)
        let zero = [Float](repeating: 0, count: 256)
        let moved = (0..<256).map { Float(sin(Double($0))) }
        let logits = network.assembledLogits(embedding: embedding, latents: [zero, moved], box: box)
        let size = reference.count
        let atZero = zip(logits.storage[0..<size], reference.storage).map { abs($0 - $1) }.max()!
        let byLatent = zip(logits.storage[size..<(2 * size)], logits.storage[0..<size]).map { abs($0 - $1) }.max()!
        print(
            "\(injection.rawValue) injection: z = 0 vs LiteMedSAM max |Δlogit| \(atZero); a unit-scale z moves it by \(byLatent)"
        )
        XCTAssertLessThan(atZero, IsolatedTokenContextTests.tolerance)
        XCTAssertGreaterThan(byLatent, 1, "the latent did not reach the readers")
    }

    func testReaderInjectionsNeedTheIsolatedContext() throws {
        for injection in LatentInjection.allCases where injection.needsIsolatedContext {
            var metadata = Self.readerConfiguration(injection).metadata
            XCTAssertEqual(metadata["injection"], injection.rawValue)
            XCTAssertEqual(try P2SAMConfiguration(metadata: metadata).injection, injection)
            metadata[MaskTokenContext.metadataKey] = nil
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
                XCTAssertTrue("\(error)".contains("'injection' \(injection.rawValue) needs"), "\(error)")
                XCTAssertTrue("\(error)".contains(MaskTokenContext.metadataKey), "\(error)")
            }
            var shared = Self.readerConfiguration(injection)
            shared.maskTokenContext = .shared
            shared.maskTokenCount = P2SAMConfiguration.maskTokenCount(context: .shared)
            XCTAssertThrowsError(
                try ModelInitialisation.stageOne(from: try TestCheckpoint.weights(), configuration: shared, seed: 1)
            ) { error in
                XCTAssertTrue("\(error)".contains("\(injection.rawValue) injection needs the isolated"), "\(error)")
            }
        }
        XCTAssertEqual(LatentInjection.allCases.filter(\.needsIsolatedContext), [.reader, .readerOutput])
    }
}
