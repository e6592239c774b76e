import MedImageIO

/// Which positive pixels of the model's own mask (z = μ) a box proposal's **raw box** encloses (metadata
/// `box_proposal_region`; docs/p2sam-model.md, "Box proposal").
public enum BoxProposalRegion: String, Sendable, Codable, CaseIterable {
    /// Every positive pixel of the image region (files without the metadata key): a stray speck far from the object
    /// stretches the box to reach it.
    case all
    /// Only the largest 8-connected region of positive pixels (`MaskImage.keepingLargestComponent`): for a target
    /// that is one object (a cell, a nodule), the box of that object without the specks beside it.
    case largest

    /// The metadata key of the region (`P2SAMConfiguration.proposalRegion`).
    public static let metadataKey = "box_proposal_region"

    /// The tight box `[minX, minY, maxX + 1, maxY + 1]` (256 frame) of the pixels this region keeps of `logits > 0`,
    /// for fused logits `[256 * 256]` (row-major model frame) of an image occupying the top-left
    /// `resizedHeight x resizedWidth`; nil when no pixel of the image region is positive.
    public func tightBox(logits: [Float], resizedHeight: Int, resizedWidth: Int) -> [Float]? {
        precondition(logits.count == 256 * 256, "logits must be 256x256")
        switch self {
        case .all:
            return ModelFrameTightBox.box(height: resizedHeight, width: resizedWidth) { logits[$0] > 0 }
        case .largest:
            let height = max(0, min(resizedHeight, 256))
            let width = max(0, min(resizedWidth, 256))
            var pixels = [UInt8](repeating: 0, count: height * width)
            for y in 0..<height {
                for x in 0..<width where logits[y * 256 + x] > 0 { pixels[y * width + x] = 1 }
            }
            guard let mask = try? MaskImage(width: width, height: height, pixels: pixels) else { return nil }
            let kept = mask.keepingLargestComponent().pixels
            return ModelFrameTightBox.box(height: height, width: width) { kept[($0 / 256) * width + $0 % 256] != 0 }
        }
    }
}
