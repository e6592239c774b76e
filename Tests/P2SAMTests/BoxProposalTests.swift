import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// The box proposal (`BoxProposal`, `BoxProposalMode`): the raw box of the model's own mask, the Gaussian over the
/// corners, and that models without a proposal (or with it switched off) sample exactly as before.
final class BoxProposalTests: XCTestCase {
    /// A proposal with the given offset and σ (placeholder-free store).
    func proposal(offset: [Float], standardDeviation: [Float]) throws -> BoxProposal {
        var store = WeightStore([
            "box_proposal.offset": NamedWeight(shape: [4], values: offset),
            "box_proposal.log_std": NamedWeight(shape: [4], values: standardDeviation.map { log($0) }),
        ])
        let proposal = try BoxProposal(&store)
        try store.finish()
        return proposal
    }

    func testRawBoxIsTheTightBoxOfPositiveLogitsInsideTheImageRegion() {
        var logits = [Float](repeating: -1, count: 256 * 256)
        for y in 40..<60 { for x in 30..<45 { logits[y * 256 + x] = 2 } }
        XCTAssertEqual(BoxProposal.rawBox(logits: logits, resizedHeight: 256, resizedWidth: 256), [30, 40, 45, 60])
        // Positive pixels in the padding (outside a 256 x 50 image region) are ignored.
        logits[100 * 256 + 200] = 5
        XCTAssertEqual(BoxProposal.rawBox(logits: logits, resizedHeight: 80, resizedWidth: 256), [30, 40, 45, 60])
        XCTAssertEqual(BoxProposal.rawBox(logits: logits, resizedHeight: 256, resizedWidth: 256), [30, 40, 201, 101])
        XCTAssertNil(
            BoxProposal.rawBox(logits: [Float](repeating: -1, count: 65536), resizedHeight: 256, resizedWidth: 256))
        XCTAssertNil(BoxProposal.rawBox(logits: logits, resizedHeight: 30, resizedWidth: 256))
    }

    func testMeanBoxAddsTheOffsetAndClips() throws {
        let p = try proposal(offset: [-2, -3, 4, 5], standardDeviation: [1, 1, 1, 1])
        XCTAssertEqual(p.meanBox(raw: [30, 40, 45, 60], resizedHeight: 256, resizedWidth: 256), [28, 37, 49, 65])
        XCTAssertEqual(p.meanBox(raw: [1, 1, 250, 254], resizedHeight: 256, resizedWidth: 252), [0, 0, 252, 256])
        // Corners that cross are put in order; a box keeps at least one pixel.
        XCTAssertEqual(BoxProposal.clipped([50, 60, 40, 70], resizedHeight: 256, resizedWidth: 256), [40, 60, 50, 70])
        XCTAssertEqual(
            BoxProposal.clipped([255.5, 10, 300, 10], resizedHeight: 256, resizedWidth: 256), [255, 10, 256, 11])
    }

    /// The corner draws have the proposal's mean and σ (checked on 4000 draws far from the borders), and the same
    /// seed gives the same boxes.
    func testSampledBoxesFollowTheGaussianOverTheCorners() throws {
        let p = try proposal(offset: [-2, -3, 4, 5], standardDeviation: [2, 4, 6, 8])
        let raw: [Float] = [100, 100, 140, 150]
        let boxes = p.sampledBoxes(raw: raw, count: 4000, seed: 3, resizedHeight: 256, resizedWidth: 256)
        let expectedMean: [Double] = [98, 97, 144, 155]
        for c in 0..<4 {
            let values = boxes.map { Double($0[c]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            XCTAssertEqual(mean, expectedMean[c], accuracy: 0.5, "corner \(c)")
            XCTAssertEqual(sd, Double(p.standardDeviation[c]), accuracy: 0.1 * Double(p.standardDeviation[c]))
        }
        XCTAssertEqual(
            boxes.prefix(10).map { $0 },
            Array(p.sampledBoxes(raw: raw, count: 10, seed: 3, resizedHeight: 256, resizedWidth: 256)))
        XCTAssertNotEqual(
            boxes.prefix(10).map { $0 },
            Array(p.sampledBoxes(raw: raw, count: 10, seed: 4, resizedHeight: 256, resizedWidth: 256)))
    }

    func testMetadataAndTensorsMustAgree() throws {
        let encoder = try IdentityModel.encoder()
        let plain = try IdentityModel.tensors(injection: .sparse)
        var withProposal = plain
        withProposal["box_proposal.offset"] = Tensor(shape: [4])
        withProposal["box_proposal.log_std"] = Tensor(shape: [4])
        var metadata = IdentityModel.metadata(injection: .sparse)
        // Tensors without the metadata, and the metadata without the tensors, are refused.
        XCTAssertThrowsError(
            try P2SAMModel(file: try P2SAMModelFile(tensors: withProposal, metadata: metadata), imageEncoder: encoder))
        metadata[P2SAMConfiguration.boxProposalKey] = P2SAMConfiguration.boxProposalName
        XCTAssertThrowsError(
            try P2SAMModel(file: try P2SAMModelFile(tensors: plain, metadata: metadata), imageEncoder: encoder))
        let model = try P2SAMModel(
            file: try P2SAMModelFile(tensors: withProposal, metadata: metadata), imageEncoder: encoder)
        XCTAssertNotNil(model.layers.boxProposal)
        XCTAssertTrue(model.configuration.boxProposal)
        metadata[P2SAMConfiguration.boxProposalKey] = "learned"
        XCTAssertThrowsError(try P2SAMModelFile(tensors: withProposal, metadata: metadata))
    }

    /// Old model files (no proposal) sample exactly as before in every mode; a model with a proposal switched
    /// `off` samples exactly as the same model without it; with a box from the caller the proposal is not used.
    func testModelsWithoutAProposalOrWithItOffSampleAsBefore() throws {
        let encoder = try IdentityModel.encoder()
        let plain = try IdentityModel.tensors(injection: .sparse)
        let old = try P2SAMModel(
            file: try P2SAMModelFile(tensors: plain, metadata: IdentityModel.metadata(injection: .sparse)),
            imageEncoder: encoder)
        var tensors = plain
        var metadata = IdentityModel.metadata(injection: .sparse)
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata)
        let new = try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        let image = P2SAMSamplerTests.image
        func masks(_ model: P2SAMModel, _ mode: BoxProposalMode, prompt: ImagePrompt? = nil) throws -> [MaskImage] {
            var sampler = P2SAMSampler(model: model)
            sampler.boxProposal = mode
            var out: [MaskImage] = []
            _ = try sampler.sample(try sampler.prepare(image, prompt: prompt), count: 3, seed: 7) { out.append($1) }
            return out
        }
        let reference = try masks(old, .off)
        for mode in BoxProposalMode.allCases { XCTAssertEqual(try masks(old, mode), reference, "old model, \(mode)") }
        XCTAssertEqual(try masks(new, .off), reference, "proposal off")
        let box = ImagePrompt(box: BoundingBox(x0: 40, y0: 30, x1: 100, y1: 90))
        XCTAssertEqual(try masks(new, .sampled, prompt: box), try masks(old, .off, prompt: box), "caller's box")
    }

    /// With the proposal on, the prompt is the proposal's mean box around the model's own mask (`mean`), or one
    /// drawn box per sample (`sampled`, reproducible from the seed).
    func testProposalPromptsWithItsMeanBoxOrWithDrawnBoxes() throws {
        let encoder = try IdentityModel.encoder()
        var tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata)
        let model = try P2SAMModel(
            file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        var sampler = P2SAMSampler(model: model)
        XCTAssertEqual(sampler.boxProposal, .sampled, "the default mode")
        sampler.boxProposal = .mean
        let off: P2SAMPreparedImage = try {
            var s = sampler
            s.boxProposal = .off
            return try s.prepare(P2SAMSamplerTests.image)
        }()
        let prepared = try sampler.prepare(P2SAMSamplerTests.image)
        let raw = try XCTUnwrap(
            BoxProposal.rawBox(
                logits: sampler.fusedLogits(for: off, latents: [off.mean]).storage,
                resizedHeight: off.embedded.resizedHeight, resizedWidth: off.embedded.resizedWidth),
            "the identity model finds the bright disk")
        XCTAssertEqual(prepared.proposedBox, raw)
        XCTAssertFalse(prepared.samplesProposedBoxes)
        let mean = model.layers.boxProposal!.meanBox(raw: raw, resizedHeight: 256, resizedWidth: 256)
        XCTAssertEqual(
            prepared.promptTokens,
            model.promptEncoder.sparseEmbedding(
                for: Prompt(box: BoxPrompt(x0: mean[0], y0: mean[1], x1: mean[2], y1: mean[3]))))
        sampler.boxProposal = .sampled
        let sampled = try sampler.prepare(P2SAMSamplerTests.image)
        XCTAssertTrue(sampled.samplesProposedBoxes)
        let boxes = try XCTUnwrap(sampler.proposedBoxes(for: sampled, count: 4, seed: 9))
        // The draws of the proposal's own stream (clipping to the image may make two equal, not all).
        XCTAssertEqual(
            boxes,
            model.layers.boxProposal!.sampledBoxes(
                raw: raw, count: 4, seed: 9 &+ P2SAMSampler.boxProposalStreamOffset, resizedHeight: 256,
                resizedWidth: 256))
        XCTAssertGreaterThan(Set(boxes.map { $0.map { Int($0 * 100) } }).count, 1, "the samples' boxes differ")
        var first: [MaskImage] = []
        var second: [MaskImage] = []
        _ = try sampler.sample(sampled, count: 4, seed: 9) { first.append($1) }
        _ = try sampler.sample(sampled, count: 4, seed: 9) { second.append($1) }
        XCTAssertEqual(first, second)
    }
}
