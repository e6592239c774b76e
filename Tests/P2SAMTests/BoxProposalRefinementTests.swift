import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// Refinement of the box proposal's raw box (`BoxProposal.refinedRawBox`, metadata `box_proposal_refinement`):
/// each pass decodes prompted by the current raw box; files without the key propose exactly as before.
final class BoxProposalRefinementTests: XCTestCase {
    /// Logits `[256 * 256]` positive exactly on the integer box `[x0, y0, x1, y1)`.
    static func logits(positiveOn box: [Int]) -> [Float] {
        var values = [Float](repeating: -1, count: 256 * 256)
        for y in box[1]..<box[3] { for x in box[0]..<box[2] { values[y * 256 + x] = 1 } }
        return values
    }

    /// A decoder built so that the box must move: prompted by a box, its mask is the box halfway (rounded towards
    /// it) between the prompt and a fixed lesion box, so each pass halves the distance to the lesion.
    func testRefinementMovesTheBoxTowardsWhatThePromptedDecoderSegmentsAndStopsWhenItSettles() {
        let lesion = [100, 110, 140, 150]
        var calls = 0
        func decode(_ box: [Float]) -> [Float] {
            calls += 1
            let halfway = (0..<4).map { c -> Int in
                let d = Float(lesion[c]) - box[c]
                return lesion[c] - Int((d / 2).rounded(.towardZero))
            }
            return Self.logits(positiveOn: halfway)
        }
        let raw: [Float] = [20, 30, 220, 230]
        // No passes (files without the key): the raw box, the decoder never runs again.
        XCTAssertEqual(
            BoxProposal.refinedRawBox(raw, passes: 0, resizedHeight: 256, resizedWidth: 256, logits: decode), raw)
        XCTAssertEqual(calls, 0)
        // One pass: the box halfway to the lesion (differs from the raw box on every corner).
        let one = BoxProposal.refinedRawBox(raw, passes: 1, resizedHeight: 256, resizedWidth: 256, logits: decode)
        XCTAssertEqual(one, [60, 70, 180, 190])
        XCTAssertEqual(calls, 1)
        // Many passes: it reaches the lesion's box and stops once a pass leaves the box unchanged
        // (distances 80 → 40 → 20 → 10 → 5 → 2 → 1 → 0: 7 moving passes, then one that does not move).
        calls = 0
        let settled = BoxProposal.refinedRawBox(raw, passes: 10, resizedHeight: 256, resizedWidth: 256, logits: decode)
        XCTAssertEqual(settled, lesion.map(Float.init))
        XCTAssertEqual(calls, 8)
        // With fewer passes than it needs it stops where the passes end (distance 80 → 10 after 3).
        XCTAssertEqual(
            BoxProposal.refinedRawBox(raw, passes: 3, resizedHeight: 256, resizedWidth: 256, logits: decode),
            [90, 100, 150, 160])
        // A pass that decodes nothing keeps the current box; no raw box stays none.
        XCTAssertEqual(
            BoxProposal.refinedRawBox(raw, passes: 3, resizedHeight: 256, resizedWidth: 256) { _ in
                [Float](repeating: -1, count: 256 * 256)
            }, raw)
        XCTAssertNil(BoxProposal.refinedRawBox(nil, passes: 3, resizedHeight: 256, resizedWidth: 256, logits: decode))
    }

    func testMetadataKeyIsOptionalPositiveAndNeedsABoxProposal() throws {
        var metadata = IdentityModel.metadata(injection: .sparse)
        metadata[P2SAMConfiguration.boxProposalKey] = P2SAMConfiguration.boxProposalName
        let old = try P2SAMConfiguration(metadata: metadata)
        XCTAssertEqual(old.proposalRefinementPasses, 0, "files without the key")
        XCTAssertNil(old.metadata[P2SAMConfiguration.proposalRefinementKey], "not written when 0")
        metadata[P2SAMConfiguration.proposalRefinementKey] = "3"
        let refined = try P2SAMConfiguration(metadata: metadata)
        XCTAssertEqual(refined.proposalRefinementPasses, 3)
        XCTAssertEqual(refined.metadata[P2SAMConfiguration.proposalRefinementKey], "3")
        XCTAssertEqual(
            try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(refined)), refined)
        for bad in ["0", "-1", "two", "1.5", "11"] {
            metadata[P2SAMConfiguration.proposalRefinementKey] = bad
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata), bad)
        }
        metadata[P2SAMConfiguration.proposalRefinementKey] = "1"
        metadata[P2SAMConfiguration.boxProposalKey] = nil
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
            XCTAssertTrue("\(error)".contains("box_proposal_refinement"), "\(error)")
        }
    }

    /// The sampler's proposed box: one decode for a file without the key (as before), and with the key the
    /// refinement of that box by decodes prompted with it (`fusedLogits` of the box's prompt tokens, z = μ).
    func testSamplerRefinesTheProposedBoxOnlyWhenTheModelSaysSo() throws {
        let encoder = try IdentityModel.encoder()
        var tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata)
        let old = try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        metadata[P2SAMConfiguration.proposalRefinementKey] = "2"
        let new = try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        XCTAssertEqual(new.configuration.proposalRefinementPasses, 2)
        let image = P2SAMSamplerTests.image
        var off = P2SAMSampler(model: old)
        off.boxProposal = .off
        let plain = try off.prepare(image)
        func decode(_ box: [Float]) -> [Float] {
            var prompted = plain
            prompted.promptTokens = old.promptEncoder.sparseEmbedding(
                for: Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3])))
            return off.fusedLogits(for: prompted, latents: [plain.mean]).storage
        }
        let h = plain.embedded.resizedHeight
        let w = plain.embedded.resizedWidth
        let raw = try XCTUnwrap(
            BoxProposal.rawBox(
                logits: off.fusedLogits(for: plain, latents: [plain.mean]).storage, resizedHeight: h, resizedWidth: w))
        XCTAssertEqual(try P2SAMSampler(model: old).prepare(image).proposedBox, raw, "without the key: one decode")
        let expected = BoxProposal.refinedRawBox(raw, passes: 2, resizedHeight: h, resizedWidth: w, logits: decode)
        // The identity model's mask fills the image, so here the refined box equals the raw one: this test checks the
        // wiring (the decodes the sampler runs); that refinement moves a box is checked above with a built decoder.
        let prepared = try P2SAMSampler(model: new).prepare(image)
        XCTAssertEqual(prepared.proposedBox, expected)
        let mean = try XCTUnwrap(new.layers.boxProposal).meanBox(
            raw: try XCTUnwrap(expected), resizedHeight: h, resizedWidth: w)
        XCTAssertEqual(
            prepared.promptTokens,
            new.promptEncoder.sparseEmbedding(
                for: Prompt(box: BoxPrompt(x0: mean[0], y0: mean[1], x1: mean[2], y1: mean[3]))))
        // A caller's box still takes precedence.
        let box = ImagePrompt(box: BoundingBox(x0: 40, y0: 30, x1: 100, y1: 90))
        XCTAssertNil(try P2SAMSampler(model: new).prepare(image, prompt: box).proposedBox)
    }
}
