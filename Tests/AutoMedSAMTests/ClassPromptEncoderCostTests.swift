import AutoMedSAM
import SAMLayers
import XCTest

/// The class prompt encoder's multiply-accumulate count (the benchmark's GFLOP figure for AutoMedSAM),
/// against the arithmetic of the documented widths.
final class ClassPromptEncoderCostTests: XCTestCase {
    private func encoder(branches: PromptBranches) throws -> ClassPromptEncoder {
        var placeholder = WeightStore.placeholder()
        return try ClassPromptEncoder(&placeholder, classCount: 3, branches: branches)
    }

    func testCountFollowsTheLayerWidths() throws {
        let positions = 64 * 64
        // Broadcast class map, encoder 257 -> 64 (1x1), 64 -> 64 (3x3), 64 -> 128 (1x1), 128 -> 128 (3x3),
        // middle 128 -> 256 -> 128.
        let trunk = 256 + 257 * 64 + 9 * 64 * 64 + 64 * 128 + 9 * 128 * 128 + 128 * 256 + 256 * 128
        // A branch's decoding: (128 + 128) -> 128, (128 + 64) -> 64, output 64 -> 256, at every position.
        let decoding = 256 * 128 + 192 * 64 + 64 * 256
        // Attention: (64 + 1) -> 64 and (128 + 1) -> 128; per position (dense) or once on the pooled vector
        // (sparse).
        let attention = 65 * 64 + 129 * 128
        XCTAssertEqual(
            try encoder(branches: .dense).multiplyAccumulatesPerClass, (trunk + decoding + attention) * positions)
        XCTAssertEqual(
            try encoder(branches: .sparse).multiplyAccumulatesPerClass, (trunk + decoding) * positions + attention)
        XCTAssertEqual(
            try encoder(branches: .both).multiplyAccumulatesPerClass,
            (trunk + 2 * decoding + attention) * positions + attention)
    }
}
