import FileErrors
import Foundation
import MultiRaterMetrics
import TorchCheckpoint

/// Writes a dataset in the plain folder layout: `ROOT/<case>/image.png` (8-bit) and
/// `ROOT/<case>/rater<k>.png` (8-bit grey, 0 background / 255 foreground).
///
/// The image is mapped to 0...255 by `window` when given (e.g. a CT window in HU), otherwise by
/// per-image min–max (a constant image becomes 0), then rounded; grey stays grey, RGB stays RGB.
/// Cases without an image get only rater PNGs.
///
/// Every file is written to a temporary name and renamed. The export is bracketed by a marker and a
/// manifest (``FolderManifest``): the marker first, `manifest.json` last, then the marker is removed, so
/// `FolderDatasetReader` refuses an export that did not finish.
public enum FolderExporter {
    /// Writes `dataset` under `root` (created if needed), mapping images through `window` when given.
    ///
    /// - Throws: `DataError.invalidFile` naming the folder or file that could not be created or written.
    public static func export(_ dataset: MultiRaterDataset, to root: URL, window: IntensityWindow? = nil) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw DataError.invalidFile(
                path: root.path, reason: "cannot create the folder: \(FileErrorText.reason(error))")
        }
        let marker = root.appendingPathComponent(FolderManifest.incompleteMarkerName)
        do { try Data("export in progress\n".utf8).write(to: marker, options: .atomic) } catch {
            throw DataError.invalidFile(path: marker.path, reason: FileErrorText.writing(error))
        }
        // A manifest from an earlier export no longer describes the folder.
        let manifestURL = root.appendingPathComponent(FolderManifest.fileName)
        if fm.fileExists(atPath: manifestURL.path) {
            do { try fm.removeItem(at: manifestURL) } catch {
                throw DataError.invalidFile(
                    path: manifestURL.path, reason: "cannot remove the old manifest: \(FileErrorText.reason(error))")
            }
        }
        var listed: [FolderManifest.Case] = []
        for item in dataset.cases {
            let folder = root.appendingPathComponent(item.metadata.caseID)
            do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw DataError.invalidFile(
                    path: folder.path, reason: "cannot create the folder: \(FileErrorText.reason(error))")
            }
            if let image = item.image {
                let mapped = window.map { $0.apply(to: image) } ?? image.minMaxNormalized()
                let bytes = mapped.pixels.map { UInt8(min(max($0.rounded(), 0), 255)) }
                try ImageFiles.writePNG(
                    bytes, width: image.width, height: image.height, channels: image.channels,
                    to: folder.appendingPathComponent("image.png"))
            }
            for (k, mask) in item.raters.enumerated() {
                try ImageFiles.writePNG(
                    mask.bytes(foreground: 255), width: mask.width, height: mask.height, channels: 1,
                    to: folder.appendingPathComponent("rater\(k).png"))
            }
            listed.append(
                FolderManifest.Case(id: item.metadata.caseID, raters: item.raters.count, image: item.image != nil))
        }
        try FolderManifest(cases: listed).write(into: root)
        do { try fm.removeItem(at: marker) } catch {
            throw DataError.invalidFile(
                path: marker.path, reason: "cannot remove the export marker: \(FileErrorText.reason(error))")
        }
    }
}
