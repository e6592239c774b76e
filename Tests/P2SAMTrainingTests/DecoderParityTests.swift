import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAM
import P2SAMTraining
import SAMLayers
import SAMTensor
import XCTest

/// Location of the real checkpoint (`scripts/fetch-checkpoint.sh`).
enum TestCheckpoint {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/lite_medsam.pth")

    static func weights() throws -> WeightStore {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        return try LiteMedSAMCheckpoint.weights(at: url)
    }
}

final class DecoderParityTests: XCTestCase {
    /// With LiteMedSAM's own 4 tokens and weights, the differentiable decoder reproduces the inference decoder.
    func testFourTokenDecoderMatchesInferenceDecoder() throws {
        let store = try TestCheckpoint.weights()
        let model = try LiteMedSAMModel(weights: store)
        var configuration = P2SAMConfiguration(maskTokenCount: 4, injection: .dense, defaultPrompt: .none)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let parameters = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 1)
        let network = P2SAMNetwork(configuration: configuration, parameters: parameters)

        let input = try SyntheticInputs.modelInput(seed: 3)
        let embedding = model.embed(Tensor(shape: [3, 256, 256], storage: input))
        let box: [Float] = [40, 52, 190, 170]
        let expected = model.decode(
            [Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))],
            embedding: embedding, selection: .all
        ).logits  // [1, 4, 256, 256]
        let actual = network.tokenLogits(embedding: embedding, tokens: [0, 1, 2, 3], box: box)
        XCTAssertEqual(expected.count, actual.count)
        let difference = expected.reshaped(actual.shape).maxAbsDifference(actual)
        print("decoder parity: max |Δlogit| = \(difference) over \(actual.count) logits")
        XCTAssertLessThan(difference, 1e-3)
    }
}
