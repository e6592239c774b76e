import Foundation
import MultiRaterMetrics

/// The plain "bring your own data" layout: `ROOT/<case>/image.png` + `ROOT/<case>/rater*.png`
/// (or ROOT itself is one case folder).
///
/// Raters follow `MaskFiles.raterFiles`: the PNGs whose name starts with `rater`, in natural order
/// (`rater2` before `rater10`), else every PNG but `image.png` and the tool's pictures. A mask must hold
/// at most two values; by default a pixel is foreground when any colour channel is non-zero (alpha
/// ignored), `foreground` selects otherwise. The image keeps its
/// stored values (8- or 16-bit, grey or RGB). `image.png` may be absent (masks only). Case order is
/// the sorted folder names; the group id is the case name.
///
/// A folder written by `FolderExporter` carries a ``FolderManifest``: it is refused while the export's
/// marker is present (the export did not finish) or when its case folders disagree with the manifest.
public enum FolderDatasetReader {
    /// Reads the folder at `root`, refusing more than `limits.maxCases` case folders before reading any.
    ///
    /// - Parameters:
    ///   - root: the folder of case folders, or one case folder.
    ///   - foreground: the mask value marking foreground (default any non-zero colour value).
    ///   - limits: the case-count cap (``DatasetLimits/maxCases``).
    ///   - progress: called with (cases read, cases in all) after each case.
    public static func read(
        root: URL, foreground: MaskForeground = .nonZero, limits: DatasetLimits = DatasetLimits(),
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> MultiRaterDataset {
        guard ImageFiles.isDirectory(root) else { throw DataError.invalidFile(path: root.path, reason: "not a folder") }
        let fm = FileManager.default
        if fm.fileExists(atPath: root.appendingPathComponent(FolderManifest.incompleteMarkerName).path) {
            throw DataError.invalidFile(
                path: root.path,
                reason: "this export did not finish (\(FolderManifest.incompleteMarkerName) "
                    + "is present and no complete manifest was written); export it again")
        }
        let manifest = try FolderManifest.read(from: root)
        var folders: [URL]
        if isCaseFolder(root) {
            folders = [root]
        } else {
            let names = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
            folders = names.filter { !$0.hasPrefix(".") }.sorted {
                $0.localizedStandardCompare($1) == .orderedAscending
            }
            .map { root.appendingPathComponent($0) }.filter(ImageFiles.isDirectory)
        }
        guard !folders.isEmpty else {
            throw DataError.invalidFile(path: root.path, reason: "no PNGs: want ROOT/<case>/image.png + rater*.png")
        }
        try limits.checkCaseCount(folders.count, source: root.path)
        if let manifest {
            let found = try folders.map { folder -> FolderManifest.Case in
                let names = try ImageFiles.pngFiles(in: folder).map { $0.lastPathComponent.lowercased() }
                return FolderManifest.Case(
                    id: folder.lastPathComponent, raters: names.filter { $0.hasPrefix("rater") }.count,
                    image: names.contains("image.png"))
            }
            try manifest.check(found, root: root)
        }
        var cases: [MultiRaterCase] = []
        for (index, folder) in folders.enumerated() {
            let name = folder.lastPathComponent
            let pngs = try ImageFiles.pngFiles(in: folder)
            guard !pngs.isEmpty else {
                throw DataError.invalidFile(path: folder.path, reason: "folder has no PNG files")
            }
            let raterFiles = try MaskFiles.raterFiles(in: folder)
            guard !raterFiles.isEmpty else {
                throw DataError.invalidFile(path: folder.path, reason: "no rater*.png masks (case has no raters)")
            }
            let raters = try raterFiles.map { try ImageFiles.readMask($0, foreground: foreground) }
            var image: CaseImage?
            if let imageURL = pngs.first(where: { $0.lastPathComponent.lowercased() == "image.png" }) {
                image = try ImageFiles.readPNG(imageURL).caseImage(name: name)
            }
            do {
                cases.append(
                    try MultiRaterCase(
                        image: image, raters: raters,
                        metadata: CaseMetadata(caseID: name, groupID: name, sourceIndex: index)))
            } catch let DataError.invalidCase(_, reason) {
                throw DataError.invalidFile(path: folder.path, reason: reason)
            }
            progress?(index + 1, folders.count)
        }
        return MultiRaterDataset(name: root.lastPathComponent, source: "folder:\(root.path)", cases: cases)
    }

    static func isCaseFolder(_ url: URL) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.contains { $0.lowercased() == "image.png" }
            || names.contains { $0.lowercased().hasPrefix("rater") && $0.lowercased().hasSuffix(".png") }
    }
}
