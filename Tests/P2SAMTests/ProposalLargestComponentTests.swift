import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import SAMTensor
import XCTest

/// The largest-component clean-up of P²SAM samples (`P2SAMSampler.keepsLargestComponent`, metadata
/// `box_proposal_largest_component`): a model's stored default applies only when its box proposal prompts the
/// samples; a caller's choice applies always.
final class ProposalLargestComponentTests: XCTestCase {
    /// Two bright disks far apart on a dark 128×128 image: LiteMedSAM prompted with a box around both segments both.
    static let twoDisks: MedicalImage = {
        var pixels = [Float](repeating: 20, count: 128 * 128)
        for y in 0..<128 {
            for x in 0..<128 {
                let a = (Double(x - 35) * Double(x - 35) + Double(y - 64) * Double(y - 64)).squareRoot()
                let b = (Double(x - 95) * Double(x - 95) + Double(y - 64) * Double(y - 64)).squareRoot()
                if a < 14 || b < 10 { pixels[y * 128 + x] = 220 }
            }
        }
        return try! MedicalImage(width: 128, height: 128, channels: 1, pixels: pixels)
    }()

    func testMetadataKeyIsOptionalBooleanAndNeedsABoxProposal() throws {
        var metadata = IdentityModel.metadata(injection: .sparse)
        metadata[P2SAMConfiguration.boxProposalKey] = P2SAMConfiguration.boxProposalName
        let old = try P2SAMConfiguration(metadata: metadata)
        XCTAssertFalse(old.proposalKeepsLargestComponent, "files without the key")
        XCTAssertNil(old.metadata[P2SAMConfiguration.proposalLargestComponentKey], "not written when false")
        metadata[P2SAMConfiguration.proposalLargestComponentKey] = "true"
        let on = try P2SAMConfiguration(metadata: metadata)
        XCTAssertTrue(on.proposalKeepsLargestComponent)
        XCTAssertEqual(on.metadata[P2SAMConfiguration.proposalLargestComponentKey], "true")
        XCTAssertEqual(try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(on)), on)
        metadata[P2SAMConfiguration.proposalLargestComponentKey] = "false"
        XCTAssertFalse(try P2SAMConfiguration(metadata: metadata).proposalKeepsLargestComponent)
        for bad in ["yes", "1", "on", ""] {
            metadata[P2SAMConfiguration.proposalLargestComponentKey] = bad
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata), bad) { error in
                XCTAssertTrue("\(error)".contains("box_proposal_largest_component"), "\(error)")
            }
        }
        metadata[P2SAMConfiguration.proposalLargestComponentKey] = "true"
        metadata[P2SAMConfiguration.boxProposalKey] = nil
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: metadata)) { error in
            XCTAssertTrue("\(error)".contains("needs a box proposal"), "\(error)")
        }
    }

    func testStoredDefaultAppliesOnlyToProposalPromptedSamplesAndCallersChoiceAlways() throws {
        let encoder = try IdentityModel.encoder()
        var tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        // A wide proposal (offset grows the box by 8 px per side) so the proposed boxes cover both disks.
        IdentityModel.addBoxProposal(to: &tensors, metadata: &metadata, offset: [-8, -8, 8, 8], deviation: 2)
        let plain = try P2SAMModel(
            file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        metadata[P2SAMConfiguration.proposalLargestComponentKey] = "true"
        let cleaned = try P2SAMModel(
            file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        func samples(_ sampler: P2SAMSampler, prompt: ImagePrompt? = nil) throws -> [MaskImage] {
            var masks: [MaskImage] = []
            let prepared = try sampler.prepare(Self.twoDisks, prompt: prompt)
            _ = try sampler.sample(prepared, count: 4, seed: 3) { _, mask in masks.append(mask) }
            return masks
        }
        func regionCount(_ mask: MaskImage) -> Int {
            mask.keepingLargestComponent() == mask ? (mask.pixels.contains { $0 != 0 } ? 1 : 0) : 2
        }
        // Without a prompt the proposal prompts the samples; without the key they keep both disks.
        let plainSamples = try samples(P2SAMSampler(model: plain))
        XCTAssertTrue(
            plainSamples.contains { regionCount($0) > 1 },
            "precondition: the samples must have more than one region for this test to mean anything")
        // With the key the same samples keep only their largest region.
        let cleanedSamples = try samples(P2SAMSampler(model: cleaned))
        // (== rather than XCTAssertEqual: a failure would print every pixel.)
        XCTAssertTrue(
            cleanedSamples == plainSamples.map { $0.keepingLargestComponent() }, "the key keeps the largest region")
        // The caller's off wins over the key.
        var off = P2SAMSampler(model: cleaned)
        off.keepsLargestComponent = false
        XCTAssertTrue(try samples(off) == plainSamples, "the caller's off wins over the key")
        // A caller's box: the key does not apply; the caller's on does.
        let box = ImagePrompt(box: BoundingBox(x0: 12, y0: 40, x1: 116, y1: 88))
        let boxedPlain = try samples(P2SAMSampler(model: plain), prompt: box)
        XCTAssertTrue(boxedPlain.contains { regionCount($0) > 1 }, "precondition: the box covers both disks")
        XCTAssertTrue(
            try samples(P2SAMSampler(model: cleaned), prompt: box) == boxedPlain,
            "the key does not apply to a caller's box")
        var on = P2SAMSampler(model: plain)
        on.keepsLargestComponent = true
        XCTAssertTrue(
            try samples(on, prompt: box) == boxedPlain.map { $0.keepingLargestComponent() }, "the caller's on applies")
    }
}
