import Foundation
import LiteMedSAM
import SAMTensor
import XCTest

/// The model the parity tests run with: the real checkpoint, read by the package's own loader,
/// loaded once per test process.
///
/// Tests skip only when `Models/lite_medsam.pth` is absent (CI fetches it first); any other
/// loading problem is a test failure.
enum ParityModel {
    static let loaded: Result<LiteMedSAMModel, Error> = Result {
        try LiteMedSAMModel(checkpoint: CheckpointLocation.checkpoint)
    }

    static func model() throws -> LiteMedSAMModel {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        return try loaded.get()
    }

    /// Encoder run on the synthetic golden input, with every observed intermediate.
    static let syntheticEncoding: Result<(embedding: Tensor, maps: [String: Tensor]), Error> = Result {
        let model = try loaded.get()
        let input = try GoldenFixtures.tensor("syn_input").reshaped([3, 256, 256])
        var maps: [String: Tensor] = [:]
        let embedding = model.imageEncoder(input) { name, map in maps[name] = map }
        return (embedding, maps)
    }
}
