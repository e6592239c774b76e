import Foundation

/// BraTS segmentations as multi-class label maps (`brats-labels:ROOT`), for AutoMedSAM's class prompts.
///
/// `root` is one BraTS case folder or a folder of them (as `BraTSReader`, whose file lookup this reuses):
/// each case holds `*_seg.nii[.gz]` and an image modality, `*_t1.nii[.gz]` when present, else
/// `*_flair`, `*_t1ce` or `*_t2` (the first found in that order; all cases must use the same one). Every
/// axial slice k with at least one labelled voxel becomes a case `<case>-z<k>` at the volume's native
/// size (row = y, column = x, as `BraTSReader`), the image values as stored and the label map the
/// segmentation slice. **Class ids are kept as BraTS writes them**, with names: 1 NCR/NET (necrotic and
/// non-enhancing tumour core), 2 ED (peritumoral edema), 4 ET (enhancing tumour); there is no class 3. A
/// label outside {0, 1, 2, 4} (or not an integer) is an error naming the file, slice and value.
extension LabelMapDataset {
    /// The BraTS classes by their label ids.
    public static let bratsClasses: [Int: String] = [
        1: "necrotic / non-enhancing tumour core", 2: "peritumoral edema", 4: "enhancing tumour",
    ]

    /// The image modalities looked for, in order of preference (file name suffixes).
    public static let bratsModalities = ["_t1", "_flair", "_t1ce", "_t2"]

    /// Reads the BraTS case folders under `root` as label maps (see the type's notes); each `.nii.gz` may
    /// inflate to at most `limits.maxDecompressedBytes` and the slices kept may number at most
    /// `limits.maxCases`.
    ///
    /// - Parameters:
    ///   - root: one BraTS case folder or a folder of case folders.
    ///   - limits: caps on the slices kept and on each volume's decompressed size.
    /// - Returns: the label maps, classes `bratsClasses`, cases in folder then slice order.
    /// - Throws: `DataError.invalidFile` naming the file for a missing case, image or segmentation,
    ///   volumes of different sizes, mixed modalities, or a label outside {0, 1, 2, 4}.
    public static func readBraTS(root: URL, limits: DatasetLimits = DatasetLimits()) throws -> LabelMapDataset {
        let folders: [URL]
        if try BraTSReader.findVolume(in: root, suffix: "_seg") != nil {
            folders = [root]
        } else {
            let children =
                (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
            folders = try children.filter { try BraTSReader.findVolume(in: $0, suffix: "_seg") != nil }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        guard !folders.isEmpty else {
            throw DataError.invalidFile(
                path: root.path,
                reason: "no BraTS case (a folder with *_seg.nii[.gz] and an image *_t1, *_flair, *_t1ce or *_t2)")
        }
        var modality: String?
        var cases: [LabelMapCase] = []
        for folder in folders {
            let name = folder.lastPathComponent
            var found: (suffix: String, url: URL)?
            for suffix in bratsModalities {
                if let url = try BraTSReader.findVolume(in: folder, suffix: suffix) {
                    found = (suffix, url)
                    break
                }
            }
            guard let found else {
                throw DataError.invalidFile(
                    path: folder.path, reason: "no image volume (*_t1, *_flair, *_t1ce or *_t2 .nii[.gz])")
            }
            if let modality, modality != found.suffix {
                throw DataError.invalidFile(
                    path: found.url.path,
                    reason: "this case's image is *\(found.suffix), earlier cases used *\(modality); use one modality")
            }
            modality = found.suffix
            let (image, seg, segURL) = try BraTSReader.caseVolumes(image: found.url, in: folder, limits: limits)
            let (width, height, depth) = image.dims
            for k in 0..<depth {
                let values = seg.slice(k)
                var labels = [UInt8](repeating: 0, count: values.count)
                for (i, v) in values.enumerated() where v != 0 {
                    guard v == 1 || v == 2 || v == 4 else {
                        throw DataError.invalidFile(
                            path: segURL.path,
                            reason:
                                "label \(v) at x \(i % width), y \(i / width) of slice \(k) is not a BraTS class (want 0, 1, 2 or 4)"
                        )
                    }
                    labels[i] = UInt8(v)
                }
                guard labels.contains(where: { $0 != 0 }) else { continue }
                try limits.checkCaseCount(cases.count + 1, source: root.path)
                let id = "\(name)-z\(String(format: "%03d", k))"
                let picture = try CaseImage(
                    width: width, height: height, pixels: image.slice(k), sourceType: "nifti", name: id)
                cases.append(try LabelMapCase(caseID: id, image: picture, labels: labels))
            }
        }
        return LabelMapDataset(classes: bratsClasses, cases: cases, root: root)
    }
}
