import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMTensor
import XCTest

/// `PresenceDraw` (how presence probabilities become empty samples) and the sampler's presence logit shift.
final class PresenceDrawTests: XCTestCase {
    /// `independent` is the sampler's draw of before (the k-th uniform of the presence stream below p_k).
    func testIndependentIsTheFormerDraw() {
        let ps: [Float] = [0.1, 0.9, 0.5, 0.5, 0.7, 0.2, 0.99, 0.01]
        XCTAssertEqual(
            PresenceDraw.independent.draws(probabilities: ps, seed: 5 &+ P2SAMSampler.presenceStreamOffset),
            P2SAMSampler.presence(probabilities: ps, seed: 5))
    }

    /// `stratified` with one p makes ⌊np⌋ or ⌈np⌉ samples present on every image (independent draws vary), has the
    /// same share on average, is reproducible and puts the empty samples at different indices per seed.
    func testStratifiedFixesTheCountAndKeepsTheShare() {
        let n = 16
        for p in [Float(0), 0.1, 0.27, 0.5, 0.74, 1] {
            var total = 0
            var independentCounts = Set<Int>()
            for seed in UInt64(0)..<400 {
                let draws = PresenceDraw.stratified.draws(
                    probabilities: [Float](repeating: p, count: n), seed: seed)
                let present = draws.filter { $0 }.count
                XCTAssertTrue(
                    present == Int((Double(n) * Double(p)).rounded(.down))
                        || present == Int((Double(n) * Double(p)).rounded(.up)), "p \(p): \(present) present")
                total += present
                independentCounts.insert(
                    PresenceDraw.independent.draws(probabilities: [Float](repeating: p, count: n), seed: seed)
                        .filter { $0 }.count)
            }
            XCTAssertEqual(Double(total) / Double(400 * n), Double(p), accuracy: 0.01, "p \(p)")
            if p > 0.2 && p < 0.8 { XCTAssertGreaterThan(independentCounts.count, 3, "independent counts vary") }
        }
        let ps = [Float](repeating: 0.5, count: n)
        XCTAssertEqual(
            PresenceDraw.stratified.draws(probabilities: ps, seed: 3),
            PresenceDraw.stratified.draws(probabilities: ps, seed: 3))
        let patterns = Set((UInt64(0)..<20).map { PresenceDraw.stratified.draws(probabilities: ps, seed: $0) })
        XCTAssertGreaterThan(patterns.count, 10, "which samples are empty changes with the seed")
    }

    /// `image`: all samples share one draw; images are present in the proportion of the mean p.
    func testImageDrawIsAllOrNothing() {
        let ps: [Float] = [0.2, 0.4, 0.6, 0.8]
        var present = 0
        for seed in UInt64(0)..<2000 {
            let draws = PresenceDraw.image.draws(probabilities: ps, seed: seed)
            XCTAssertEqual(Set(draws).count, 1)
            if draws[0] { present += 1 }
        }
        XCTAssertEqual(Double(present) / 2000, 0.5, accuracy: 0.04)
        XCTAssertEqual(PresenceDraw.image.draws(probabilities: [], seed: 1), [])
    }

    /// The sampler's presence logit shift: p = σ(head logit + shift); 0 leaves the model's probability as it was.
    func testPresenceLogitShift() throws {
        let (encoder, tensors, metadata) = try Self.presenceIdentityModel()
        let model = try P2SAMModel(
            file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        var sampler = P2SAMSampler(model: model)
        let p0 = try XCTUnwrap(try sampler.prepare(P2SAMSamplerTests.image).presenceProbability)
        XCTAssertEqual(p0, 1 / (1 + expf(-0.5)), accuracy: 1e-6)
        sampler.presenceLogitShift = -1.5
        let p1 = try XCTUnwrap(try sampler.prepare(P2SAMSamplerTests.image).presenceProbability)
        XCTAssertEqual(p1, 1 / (1 + expf(1.0)), accuracy: 1e-6)
        sampler.presenceDraw = .stratified
        var empty = 0
        _ = try sampler.sample(try sampler.prepare(P2SAMSamplerTests.image), count: 16, seed: 2) { _, mask in
            if mask.pixels.allSatisfy({ $0 == 0 }) { empty += 1 }
        }
        XCTAssertTrue([11, 12].contains(empty), "16 · (1 − p) = \(16 * (1 - p1)) empty samples, got \(empty)")
    }

    /// A model's proposal presence settings (metadata) apply when its box proposal prompts the samples, not with a
    /// caller's box, and a caller's own settings take precedence.
    func testProposalPresenceSettingsFromTheModel() throws {
        var (encoder, tensors, metadata) = try Self.presenceIdentityModel()
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata, offset: [0, 0, 0, 0], deviation: 2)
        metadata[P2SAMConfiguration.proposalPresenceDrawKey] = "stratified"
        metadata[P2SAMConfiguration.proposalPresenceShiftKey] = "-1.5"
        let file = try P2SAMModelFile(tensors: tensors, metadata: metadata)
        let model = try P2SAMModel(file: file, imageEncoder: encoder)
        XCTAssertEqual(model.configuration.proposalPresenceDraw, .stratified)
        XCTAssertEqual(model.configuration.proposalPresenceShift, -1.5)
        XCTAssertEqual(model.configuration.metadata[P2SAMConfiguration.proposalPresenceShiftKey], "-1.5")
        var sampler = P2SAMSampler(model: model)
        let proposed = try sampler.prepare(P2SAMSamplerTests.image)
        XCTAssertNotNil(proposed.proposedBox, "the identity model proposes a box")
        XCTAssertEqual(sampler.draw(for: proposed), .stratified)
        XCTAssertEqual(try XCTUnwrap(proposed.presenceProbability), 1 / (1 + expf(1.0)), accuracy: 1e-6)
        let boxed = try sampler.prepare(
            P2SAMSamplerTests.image, prompt: ImagePrompt(box: BoundingBox(x0: 40, y0: 30, x1: 100, y1: 90)))
        XCTAssertNil(boxed.proposedBox)
        XCTAssertEqual(
            sampler.draw(for: boxed), .independent, "a caller's box: the model's proposal settings do not apply")
        XCTAssertEqual(try XCTUnwrap(boxed.presenceProbability), 1 / (1 + expf(-0.5)), accuracy: 1e-6)
        sampler.presenceDraw = .image
        sampler.presenceLogitShift = 0
        let overridden = try sampler.prepare(P2SAMSamplerTests.image)
        XCTAssertEqual(sampler.draw(for: overridden), .image)
        XCTAssertEqual(try XCTUnwrap(overridden.presenceProbability), 1 / (1 + expf(-0.5)), accuracy: 1e-6)
        // Bad metadata: an unknown draw, a shift that is not a number, the settings without a box proposal.
        for (key, value, drop) in [
            (P2SAMConfiguration.proposalPresenceDrawKey, "sometimes", false),
            (P2SAMConfiguration.proposalPresenceShiftKey, "nan", false),
            (P2SAMConfiguration.proposalPresenceShiftKey, "-1", true),
        ] {
            var bad = metadata
            bad[key] = value
            if drop { bad[P2SAMConfiguration.boxProposalKey] = nil }
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: bad), "\(key) = \(value)") { error in
                XCTAssertTrue(String(describing: error).contains(key), "\(error)")
            }
        }
    }

    /// The identity sparse-injection model (needs Models/lite_medsam.pth) with a presence head whose logit is 0.5
    /// for every image (zero weights, bias 0.5): its encoder, tensors and metadata.
    static func presenceIdentityModel() throws -> (TinyViTEncoder, [String: Tensor], [String: String]) {
        let encoder = try IdentityModel.encoder()
        var tensors = try IdentityModel.tensors(injection: .sparse)
        tensors["presence.head.weight"] = Tensor(shape: [1, 512], storage: [Float](repeating: 0, count: 512))
        tensors["presence.head.bias"] = Tensor(shape: [1], storage: [0.5])
        var metadata = IdentityModel.metadata(injection: .sparse)
        metadata["presence"] = "head"
        return (encoder, tensors, metadata)
    }
}
