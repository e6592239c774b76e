import AutoMedSAM
import Foundation
import MedImageIO
import MultiRaterData

/// `overlay.png` for a NIfTI volume: up to ``AutosegCommand/overlaySliceLimit`` axial slices, each with the class
/// overlays, titled with its slice index, and a legend with every class's voxel count and volume.
extension AutosegCommand {
    /// The most slices a volume's overlay figure shows.
    static let overlaySliceLimit = 24

    /// The slice indices (0-based `k`) shown for a volume of `depth` slices: all of them up to `limit`, else
    /// `limit` indices spread evenly from the first slice to the last.
    static func overlaySlices(depth: Int, limit: Int = overlaySliceLimit) -> [Int] {
        guard depth > limit else { return Array(0..<depth) }
        guard limit > 1 else { return [depth / 2] }
        return (0..<limit).map { ($0 * (depth - 1) + (limit - 1) / 2) / (limit - 1) }
    }

    /// `picture` with each class's mask (0/1 per pixel, `width x height`) filled and outlined in its palette colour,
    /// in the order of `masks`.
    static func classOverlay(_ picture: MedicalImage, masks: [[UInt8]]) throws -> MedicalImage {
        var overlay = picture
        for (k, pixels) in masks.enumerated() {
            let mask = MaskImage(uncheckedWidth: picture.width, height: picture.height, pixels: pixels)
            var style = Visualization.OverlayStyle()
            style.maskColor = palette[k % palette.count]
            style.contourColor = style.maskColor
            overlay = try Visualization.overlay(overlay, mask: mask, style: style)
        }
        return overlay
    }

    /// The PNG bytes of a volume's overlay figure: the slices of ``overlaySlices(depth:limit:)`` in voxel order
    /// (i to the right, j downward, no reorientation), intensities min–max scaled over the volume as for
    /// segmenting, class overlays as in the single-image `overlay.png`, and a legend per class with its voxel count
    /// and, when the header states the spatial unit, its volume in mL.
    /// `window` replaces the volume's min–max as the intensities mapped to 0…255 (as in segmenting);
    /// `titlePrefix` goes before each tile's `z k` (a 4-D frame's `t 3 `).
    static func volumeOverlay(
        _ volume: NIfTIVolume, segmentation: VolumeSegmentation, classIDs: [Int], classNames: [Int: String],
        window: ClosedRange<Float>? = nil, titlePrefix: String = ""
    ) throws -> [UInt8] {
        let (width, height, depth) = volume.dims
        let plane = width * height
        let lower = window?.lowerBound ?? volume.values.min() ?? 0
        let range = max((window?.upperBound ?? volume.values.max() ?? 0) - lower, 1e-6)
        let tiles = try overlaySlices(depth: depth).map { k -> (picture: MedicalImage, title: String) in
            let pixels = volume.slice(k).map { (($0 - lower) / range * 255).rounded() }
            let slice = try MedicalImage(width: width, height: height, channels: 1, pixels: pixels)
            let span = (k * plane)..<((k + 1) * plane)
            let masks = segmentation.masks.map { Array($0[span]) }
            return (try classOverlay(slice, masks: masks), "\(titlePrefix)z \(k)")
        }
        let counts = segmentation.counts
        let millilitres = volume.voxelMillilitres
        let legend = classIDs.enumerated().map { n, id -> (label: String, color: RGBColor) in
            var label = "\(id) \((classNames[id] ?? "class \(id)").uppercased()): \(counts[n]) voxels"
            if let millilitres { label += String(format: ", %.1f mL", Double(counts[n]) * millilitres) }
            return (label, palette[n % palette.count])
        }
        let figure = try Visualization.titledGrid(tiles, columns: min(6, tiles.count), legend: legend)
        return try PNG.encode(figure)
    }
}
