import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import SeededSampling
import UMedSAMTraining
import XCTest

/// The real checkpoint (`scripts/fetch-checkpoint.sh`) and tiny cases with pseudo-embeddings.
enum UMedSAMFixtures {
    static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/lite_medsam.pth")

    static func weights() throws -> WeightStore {
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        return try LiteMedSAMCheckpoint.weights(at: checkpoint)
    }

    /// A case whose mask is the disc of `radius` around (cx, cy) and whose embedding is Gaussian noise.
    static func disc(id: String, cx: Int, cy: Int, radius: Int, seed: UInt64) -> UMedSAMCase {
        let random = SeededRandom(seed: seed)
        let embedding = Tensor(
            shape: [64, 64, 256], storage: (0..<(64 * 64 * 256)).map { _ in Float(random.gaussian(sigma: 0.3)) })
        var mask = [UInt8](repeating: 0, count: 256 * 256)
        for y in 0..<256 {
            for x in 0..<256 where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius {
                mask[y * 256 + x] = 1
            }
        }
        return UMedSAMCase(
            dataset: "synthetic", caseID: id, embedding: embedding, mask: mask, resizedHeight: 256, resizedWidth: 256)
    }
}
