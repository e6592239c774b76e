import Foundation
import LiteMedSAM
import TorchCheckpoint
import XCTest

/// `ChallengeRunner` against the reference `CVPR24_LiteMedSAM_infer.py` (PyTorch, same checkpoint) on two
/// synthetic challenge cases (`Fixtures/challenge/make_infer_reference.py`): Dice per object >= 0.99.
final class ChallengeInferenceTests: XCTestCase {
    static let folder = GoldenFixtures.directory.appendingPathComponent("challenge")

    func runner() throws -> ChallengeRunner {
        ChallengeRunner(predictor: LiteMedSAMPredictor(model: try ParityModel.model()))
    }

    func referenceLabels(_ name: String) throws -> (shape: [Int], labels: [Int]) {
        let segs = try NPZArchive(contentsOf: Self.folder.appendingPathComponent("\(name).reference.npz"))
            .array(named: "segs")
        return (segs.shape, try segs.int64s().map { Int($0) })
    }

    func assertMatchesReference(_ name: String, objects: Int) throws {
        let challengeCase = try ChallengeCase.read(contentsOf: Self.folder.appendingPathComponent("\(name).npz"))
        XCTAssertEqual(challengeCase.objectCount, objects)
        let ours = try runner().segment(challengeCase)
        let reference = try referenceLabels(name)
        XCTAssertEqual(ours.shape, reference.shape)
        for k in 1...objects {
            var (a, b, both) = (0, 0, 0)
            for (x, y) in zip(ours.labels, reference.labels) {
                let inA = Int(x) == k
                let inB = y == k
                a += inA ? 1 : 0
                b += inB ? 1 : 0
                both += inA && inB ? 1 : 0
            }
            let dice = a + b == 0 ? 1 : 2 * Double(both) / Double(a + b)
            print("\(name) object \(k): \(a) voxels (reference \(b)), Dice \(dice)")
            XCTAssertGreaterThan(b, 0, "\(name) object \(k) is empty in the reference")
            XCTAssertGreaterThanOrEqual(dice, 0.99, "\(name) object \(k)")
        }
    }

    func test2DCaseMatchesReferenceScript() throws {
        try assertMatchesReference("2D_syn_small", objects: 3)
    }

    func test3DCaseMatchesReferenceScript() throws {
        try assertMatchesReference("3D_syn_small", objects: 2)
    }

    func testSegmentationWritesUInt16Segs() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("segs-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: url) }
        try ChallengeSegmentation(shape: [2, 3], labels: [0, 1, 2, 300, 65535, 0]).write(to: url)
        let segs = try NPZArchive(contentsOf: url).array(named: "segs")
        XCTAssertEqual(segs.dtype, .uint16)
        XCTAssertEqual(segs.shape, [2, 3])
        XCTAssertEqual(try segs.int64s(), [0, 1, 2, 300, 65535, 0])
    }
}
