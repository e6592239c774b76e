import LiteMedSAM
import SAMTensor
import XCTest

/// TinyViT against PyTorch, stage by stage, so a regression points at its layer.
///
/// Tolerances (absolute, float32): intermediate maps 1e-4 × max|ref| (a few e-4), the embedding
/// 1e-3 (the bound); measured errors are printed.
final class ImageEncoderParityTests: XCTestCase {
    func map(_ name: String) throws -> Tensor {
        _ = try ParityModel.model()
        return try XCTUnwrap(ParityModel.syntheticEncoding.get().maps[name], "encoder did not report \(name)")
    }

    func testPatchEmbed() throws {
        let actual = cropNHWCAsNCHW(try map("patch_embed"), rows: 0..<32, cols: 0..<32)
        assertElementwiseClose(actual, try GoldenFixtures.tensor("syn_patch_embed_tl32"), atol: 1e-5, "patch_embed")
    }

    func testStage0Blocks() throws {
        assertElementwiseClose(
            cropNHWCAsNCHW(try map("layers.0.blocks.0"), rows: 0..<32, cols: 0..<32),
            try GoldenFixtures.tensor("syn_s0_block0_tl32"), atol: 2e-4, "layers.0.blocks.0")
        assertElementwiseClose(
            cropNHWCAsNCHW(try map("layers.0.blocks"), rows: 0..<32, cols: 0..<32),
            try GoldenFixtures.tensor("syn_s0_blocks_tl32"), atol: 3e-4, "layers.0.blocks")
    }

    func testStageOutputs() throws {
        let tolerances: [(String, String, Int, Float)] = [
            ("layers.0", "syn_stage0", 128, 6e-4), ("layers.1", "syn_stage1", 64, 5e-4),
            ("layers.2", "syn_stage2", 64, 1e-3), ("layers.3", "syn_stage3", 64, 5e-4),
            ("layers.2.blocks.0", "syn_s2_block0", 64, 5e-4),
        ]
        for (name, fixture, side, atol) in tolerances {
            let m = try map(name)
            assertElementwiseClose(
                cropNHWC(m, rows: 0..<24, cols: 0..<24), try GoldenFixtures.tensor("\(fixture)_tl24"), atol: atol,
                "\(name) top-left")
            assertElementwiseClose(
                cropNHWC(m, rows: (side - 24)..<side, cols: (side - 24)..<side),
                try GoldenFixtures.tensor("\(fixture)_br24"), atol: atol, "\(name) bottom-right")
        }
        assertElementwiseClose(
            cropNHWC(try map("layers.1.blocks.0"), rows: 0..<24, cols: 0..<24),
            try GoldenFixtures.tensor("syn_s1_block0_tl24"), atol: 5e-4, "layers.1.blocks.0")
    }

    func testNeckAndEmbedding() throws {
        assertElementwiseClose(
            cropNHWCAsNCHW(try map("neck.1"), rows: 0..<32, cols: 0..<32),
            try GoldenFixtures.tensor("syn_neck_ln1_tl32"), atol: 1e-3, "neck.1")
        _ = try ParityModel.model()
        let embedding = try ParityModel.syntheticEncoding.get().embedding
        let nchw = cropNHWCAsNCHW(embedding, rows: 0..<64, cols: 0..<64)
        assertElementwiseClose(
            nchw, try GoldenFixtures.tensor("syn_embedding"), atol: 1e-4, "image embedding (synthetic)")
    }
}
