import Foundation
import MultiRaterMetrics

/// BU-BIL expert-folder layout (Gurari et al., WACV 2015):
/// `ROOT/RawImages/<name>.png` and `ROOT/ExpertsAnnotations/<expert>/seg_<name>.png` (some `Seg_`).
///
/// ROOT may also be a folder holding exactly one `BU-BIL_Dataset*` folder. Cases are the raw images
/// in sorted name order; raters are the expert folders in sorted order. In the masks the cell is
/// black: foreground = all colour channels 0 (alpha ignored; `foreground` overrides). Images keep their stored values.
public enum BUBILReader {
    /// Reads the BU-BIL folder at `root`.
    ///
    /// - Parameters:
    ///   - root: the dataset folder, or a folder holding exactly one `BU-BIL_Dataset*` folder.
    ///   - foreground: the mask value marking the cell (default zero, black).
    ///   - limits: the case-count cap (``DatasetLimits/maxCases``), checked on the listing before any image is read.
    ///   - progress: called with (cases read, cases in all) after each case.
    public static func read(
        root: URL, foreground: MaskForeground = .zero, limits: DatasetLimits = DatasetLimits(),
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> MultiRaterDataset {
        try readCases(
            root: root, annotations: "ExpertsAnnotations", foreground: foreground, limits: limits,
            progress: progress
        ) { experts in
            let folders = ((try? FileManager.default.contentsOfDirectory(atPath: experts.path)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted().map { experts.appendingPathComponent($0) }.filter(
                    ImageFiles.isDirectory)
            guard !folders.isEmpty else {
                throw DataError.invalidFile(path: experts.path, reason: "no expert folders (no raters)")
            }
            return folders
        }
    }

    /// Reads the BU-BIL folder at `root` with its fused gold standard as the one rater of each case:
    /// `ROOT/GoldStandard/seg_<name>.png` (cell = 0 like the expert masks; `foreground` overrides). Same
    /// cases, order, ids and `source` as ``read(root:foreground:limits:progress:)`` (so cached embeddings are
    /// shared).
    ///
    /// - Parameters:
    ///   - root: the dataset folder, or a folder holding exactly one `BU-BIL_Dataset*` folder.
    ///   - foreground: the mask value marking the cell (default zero, black).
    ///   - limits: the case-count cap (``DatasetLimits/maxCases``), checked on the listing before any image is read.
    ///   - progress: called with (cases read, cases in all) after each case.
    /// - Throws: `DataError.invalidFile` when the folder has no `GoldStandard/`, an image has no gold mask,
    ///   or a mask's size differs from its image's.
    public static func readGoldStandard(
        root: URL, foreground: MaskForeground = .zero, limits: DatasetLimits = DatasetLimits(),
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> MultiRaterDataset {
        try readCases(
            root: root, annotations: "GoldStandard", foreground: foreground, limits: limits, progress: progress
        ) { [$0] }
    }

    /// Reads `RawImages/` and, per image `<file>`, the mask `seg_<file>` (name matched case-insensitively)
    /// from each rater folder that `raterFolders` lists inside the annotation folder `annotations`.
    ///
    /// - Parameters:
    ///   - root: the dataset folder, or a folder holding exactly one `BU-BIL_Dataset*` folder.
    ///   - annotations: the annotation folder's name under the resolved root.
    ///   - foreground: the mask value marking the cell.
    ///   - limits: the case-count cap, checked on the image listing before any image is read.
    ///   - progress: called with (cases read, cases in all) after each case.
    ///   - raterFolders: the rater folders (in rater order) for the annotation folder.
    /// - Throws: `DataError.invalidFile` naming a missing folder, a missing mask, a size mismatch or more images
    ///   than `limits` allows.
    private static func readCases(
        root: URL, annotations: String, foreground: MaskForeground, limits: DatasetLimits,
        progress: ((_ done: Int, _ total: Int) -> Void)?,
        raterFolders: (URL) throws -> [URL]
    ) throws -> MultiRaterDataset {
        let base = resolve(root)
        let raw = base.appendingPathComponent("RawImages")
        let annotationFolder = base.appendingPathComponent(annotations)
        guard ImageFiles.isDirectory(raw), ImageFiles.isDirectory(annotationFolder) else {
            throw DataError.invalidFile(
                path: root.path, reason: "not a BU-BIL folder (want RawImages/ and \(annotations)/)")
        }
        let images = try ImageFiles.pngFiles(in: raw)
        guard !images.isEmpty else { throw DataError.invalidFile(path: raw.path, reason: "folder has no PNG files") }
        try limits.checkCaseCount(images.count, source: "bubil:\(root.path)")
        let folders = try raterFolders(annotationFolder)
        let listings = try folders.map { folder in
            Dictionary(
                try ImageFiles.pngFiles(in: folder).map { ($0.lastPathComponent.lowercased(), $0) },
                uniquingKeysWith: { a, _ in a })
        }
        var cases: [MultiRaterCase] = []
        for (index, imageURL) in images.enumerated() {
            let file = imageURL.lastPathComponent
            let name = imageURL.deletingPathExtension().lastPathComponent
            let image = try ImageFiles.readPNG(imageURL).caseImage(name: name)
            var raters: [BinaryMask] = []
            for (folder, listing) in zip(folders, listings) {
                guard let maskURL = listing["seg_" + file.lowercased()] else {
                    throw DataError.invalidFile(path: folder.path, reason: "no seg_\(file) for image \(file)")
                }
                let mask = try ImageFiles.readMask(maskURL, foreground: foreground)
                guard mask.width == image.width && mask.height == image.height else {
                    throw DataError.invalidFile(
                        path: maskURL.path,
                        reason: "mask is \(mask.width)x\(mask.height), image \(image.width)x\(image.height)")
                }
                raters.append(mask)
            }
            cases.append(
                try MultiRaterCase(
                    image: image, raters: raters,
                    metadata: CaseMetadata(caseID: name, groupID: name, sourceIndex: index)))
            progress?(index + 1, images.count)
        }
        return MultiRaterDataset(name: base.lastPathComponent, source: "bubil:\(root.path)", cases: cases)
    }

    /// ROOT itself, or its single `BU-BIL_Dataset*` child.
    static func resolve(_ root: URL) -> URL {
        if ImageFiles.isDirectory(root.appendingPathComponent("RawImages")) { return root }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { $0.hasPrefix("BU-BIL_Dataset") }.sorted()
        return names.count == 1 ? root.appendingPathComponent(names[0]) : root
    }

    /// Whether `url` looks like a BU-BIL folder.
    static func looksLike(_ url: URL) -> Bool {
        ImageFiles.isDirectory(resolve(url).appendingPathComponent("ExpertsAnnotations"))
    }
}
