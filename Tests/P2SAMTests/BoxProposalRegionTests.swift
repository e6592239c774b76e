import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// The region a box proposal's raw box encloses (`BoxProposalRegion`, metadata `box_proposal_region`): every positive
/// pixel (files without the key, as before) or only the largest 8-connected region.
final class BoxProposalRegionTests: XCTestCase {
    /// Logits `[256 * 256]`: −1 everywhere, 1 on the integer boxes `[x0, y0, x1, y1)` and on the single pixels `(x, y)`.
    static func logits(boxes: [[Int]], pixels: [(Int, Int)] = []) -> [Float] {
        var values = [Float](repeating: -1, count: 256 * 256)
        for box in boxes { for y in box[1]..<box[3] { for x in box[0]..<box[2] { values[y * 256 + x] = 1 } } }
        for (x, y) in pixels { values[y * 256 + x] = 1 }
        return values
    }

    func testLargestRegionIgnoresSpecksThatStretchTheBoxOfEveryPixel() {
        // A 40 x 40 object, a 3 x 3 blob far up-left and a speck far down-right.
        let logits = Self.logits(boxes: [[100, 110, 140, 150], [5, 8, 8, 11]], pixels: [(220, 230)])
        XCTAssertEqual(
            BoxProposal.rawBox(logits: logits, resizedHeight: 256, resizedWidth: 256), [5, 8, 221, 231],
            "the default region: every positive pixel")
        XCTAssertEqual(
            BoxProposal.rawBox(logits: logits, resizedHeight: 256, resizedWidth: 256, region: .all), [5, 8, 221, 231])
        XCTAssertEqual(
            BoxProposal.rawBox(logits: logits, resizedHeight: 256, resizedWidth: 256, region: .largest),
            [100, 110, 140, 150])
        // 8-connected: a pixel touching the object's corner diagonally belongs to it.
        let diagonal = Self.logits(boxes: [[100, 110, 140, 150]], pixels: [(140, 150), (20, 20)])
        XCTAssertEqual(
            BoxProposal.rawBox(logits: diagonal, resizedHeight: 256, resizedWidth: 256, region: .largest),
            [100, 110, 141, 151])
        // Only the image region counts: a larger object in the padding (x ≥ 160) is not the largest region.
        let padded = Self.logits(boxes: [[20, 30, 40, 50], [170, 0, 250, 200]])
        XCTAssertEqual(
            BoxProposal.rawBox(logits: padded, resizedHeight: 256, resizedWidth: 160, region: .largest),
            [20, 30, 40, 50])
        XCTAssertEqual(
            BoxProposal.rawBox(logits: padded, resizedHeight: 256, resizedWidth: 256, region: .largest),
            [170, 0, 250, 200])
        // Nothing positive in the image region: no box, in both regions.
        for region in BoxProposalRegion.allCases {
            XCTAssertNil(
                BoxProposal.rawBox(
                    logits: [Float](repeating: -1, count: 256 * 256), resizedHeight: 256, resizedWidth: 256,
                    region: region))
            XCTAssertNil(BoxProposal.rawBox(logits: padded, resizedHeight: 20, resizedWidth: 160, region: region))
        }
    }

    func testRefinementPassesUseTheSameRegion() {
        // Whatever the prompt, the decoder segments the object and a far speck.
        var calls = 0
        let decode: ([Float]) -> [Float] = { _ in
            calls += 1
            return Self.logits(boxes: [[60, 70, 120, 130]], pixels: [(250, 250)])
        }
        let raw: [Float] = [50, 50, 200, 200]
        XCTAssertEqual(
            BoxProposal.refinedRawBox(
                raw, passes: 2, resizedHeight: 256, resizedWidth: 256, region: .largest, logits: decode),
            [60, 70, 120, 130])
        XCTAssertEqual(calls, 2, "the second pass finds the same box and stops")
        XCTAssertEqual(
            BoxProposal.refinedRawBox(raw, passes: 2, resizedHeight: 256, resizedWidth: 256, logits: decode),
            [60, 70, 251, 251])
    }

    func testMetadataKeyIsOptionalNamedAndNeedsABoxProposal() throws {
        var metadata = IdentityModel.metadata(injection: .sparse)
        metadata[P2SAMConfiguration.boxProposalKey] = P2SAMConfiguration.boxProposalName
        let old = try P2SAMConfiguration(metadata: metadata)
        XCTAssertEqual(old.proposalRegion, .all, "files without the key")
        XCTAssertNil(old.metadata[BoxProposalRegion.metadataKey], "not written for all")
        metadata[BoxProposalRegion.metadataKey] = "largest"
        let largest = try P2SAMConfiguration(metadata: metadata)
        XCTAssertEqual(largest.proposalRegion, .largest)
        XCTAssertEqual(largest.metadata[BoxProposalRegion.metadataKey], "largest")
        XCTAssertEqual(try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(largest)), largest)
        metadata[BoxProposalRegion.metadataKey] = "biggest"
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
            XCTAssertTrue("\(error)".contains("box_proposal_region") && "\(error)".contains("biggest"), "\(error)")
        }
        metadata[BoxProposalRegion.metadataKey] = "largest"
        metadata[P2SAMConfiguration.boxProposalKey] = nil
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
            XCTAssertTrue("\(error)".contains("needs a box proposal"), "\(error)")
        }
    }

    /// A 128x128 grey image with a large and a small bright disk far apart.
    static let twoDisks: MedicalImage = {
        var pixels = [Float](repeating: 0, count: 128 * 128)
        for y in 0..<128 {
            for x in 0..<128 {
                let large = (Double(x - 40) * Double(x - 40) + Double(y - 40) * Double(y - 40)).squareRoot()
                let small = (Double(x - 105) * Double(x - 105) + Double(y - 105) * Double(y - 105)).squareRoot()
                pixels[y * 128 + x] = Float(40 + (large < 20 || small < 7 ? 160 : 0))
            }
        }
        return try! MedicalImage(width: 128, height: 128, channels: 1, pixels: pixels)
    }()

    /// The sampler proposes the box of the region its model's metadata names, in the first decode and in its
    /// refinement passes.
    func testSamplerProposesTheBoxOfTheModelsRegion() throws {
        try IdentityModel.requireCheckpoint()
        let encoder = try IdentityModel.encoder()
        var tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata)
        metadata[P2SAMConfiguration.proposalRefinementKey] = "1"
        func sampler(_ region: BoxProposalRegion?) throws -> P2SAMSampler {
            var m = metadata
            m[BoxProposalRegion.metadataKey] = region?.rawValue
            var s = P2SAMSampler(
                model: try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: m), imageEncoder: encoder))
            s.boxProposal = .mean
            return s
        }
        var off = try sampler(nil)
        off.boxProposal = .off
        let base = try off.prepare(Self.twoDisks)
        let e = base.embedded
        func expected(_ region: BoxProposalRegion) -> [Float]? {
            BoxProposal.refinedRawBox(
                BoxProposal.rawBox(
                    logits: off.fusedLogits(for: base, latents: [base.mean]).storage,
                    resizedHeight: e.resizedHeight, resizedWidth: e.resizedWidth, region: region),
                passes: 1, resizedHeight: e.resizedHeight, resizedWidth: e.resizedWidth, region: region
            ) { box in
                var prompted = base
                prompted.promptTokens = off.model.promptEncoder.sparseEmbedding(
                    for: Prompt(box: BoxPrompt(x0: box[0], y0: box[1], x1: box[2], y1: box[3])))
                return off.fusedLogits(for: prompted, latents: [base.mean]).storage
            }
        }
        let all = try XCTUnwrap(expected(.all), "the model segments the disks")
        let largest = try XCTUnwrap(expected(.largest))
        XCTAssertNotEqual(all, largest, "the image must give the model more than one region for this test to bite")
        XCTAssertEqual(try sampler(nil).prepare(Self.twoDisks).proposedBox, all, "files without the key")
        XCTAssertEqual(try sampler(.all).prepare(Self.twoDisks).proposedBox, all)
        XCTAssertEqual(try sampler(.largest).prepare(Self.twoDisks).proposedBox, largest)
    }
}
