import Foundation
import MultiRaterMetrics

/// Writes a dataset in the plain folder layout: `ROOT/<case>/image.png` (8-bit) and
/// `ROOT/<case>/rater<k>.png` (8-bit grey, 0 background / 255 foreground).
///
/// The image is mapped to 0...255 by `window` when given (e.g. a CT window in HU), otherwise by
/// per-image min–max (a constant image becomes 0), then rounded; grey stays grey, RGB stays RGB.
/// Cases without an image get only rater PNGs.
public enum FolderExporter {
    public static func export(_ dataset: MultiRaterDataset, to root: URL, window: IntensityWindow? = nil) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw DataError.invalidFile(path: root.path, reason: "cannot create folder")
        }
        for item in dataset.cases {
            let folder = root.appendingPathComponent(item.metadata.caseID)
            do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DataError.invalidFile(path: folder.path, reason: "cannot create folder")
            }
            if let image = item.image {
                let mapped = window.map { $0.apply(to: image) } ?? image.minMaxNormalized()
                let bytes = mapped.pixels.map { UInt8(min(max($0.rounded(), 0), 255)) }
                try ImageFiles.writePNG(bytes, width: image.width, height: image.height, channels: image.channels,
                                        to: folder.appendingPathComponent("image.png"))
            }
            for (k, mask) in item.raters.enumerated() {
                try ImageFiles.writePNG(mask.bytes(foreground: 255), width: mask.width, height: mask.height, channels: 1,
                                        to: folder.appendingPathComponent("rater\(k).png"))
            }
        }
    }
}
