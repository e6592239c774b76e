import Foundation
import MultiRaterMetrics

/// Reads BraTS 2017 NIfTI cases as 2-D multi-rater slices (the P²SAM protocol).
///
/// `root` is either one case folder or a folder of case folders. A case folder holds `*_t1.nii[.gz]`
/// and `*_seg.nii[.gz]`. Each axial slice k becomes a case `<case>-z<k>`: the T1 slice (row = y,
/// column = x, values as stored) resized bilinearly to `size x size` (nil: native size), and three cumulative nested
/// "rater" masks (nearest resize): NET (label 1), NET + OD (labels 1, 2), NET + OD + ET (1, 2, 4).
/// Slices are dropped per `dropRule`; the group id is the case folder name.
public enum BraTSReader {
    /// Which axial slices are left out; the raw values are the command-line spellings.
    public enum DropRule: String, Sendable, CaseIterable {
        /// Drop a slice when all three masks are empty (the default).
        case allEmpty = "all-empty"
        /// Drop a slice when any mask is empty or the T1 slice is all zero (the P²SAM paper's rule).
        case anyEmpty = "any-empty"
    }

    /// Reads every case folder under `root`; each `.nii.gz` may inflate to at most
    /// `limits.maxDecompressedBytes`, and the slices kept may number at most `limits.maxCases`.
    public static func read(
        root: URL, size: Int? = 128, dropRule: DropRule = .allEmpty,
        limits: DatasetLimits = DatasetLimits()
    ) throws -> MultiRaterDataset {
        let fm = FileManager.default
        var caseFolders: [URL] = []
        if try findVolume(in: root, suffix: "_seg") != nil {
            caseFolders = [root]
        } else {
            let children = (try? fm.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
            caseFolders = try children.filter { try findVolume(in: $0, suffix: "_seg") != nil }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        guard !caseFolders.isEmpty else {
            throw DataError.invalidFile(
                path: root.path, reason: "no BraTS case (a folder with *_t1.nii[.gz] and *_seg.nii[.gz])")
        }
        var cases: [MultiRaterCase] = []
        for folder in caseFolders {
            let name = folder.lastPathComponent
            guard let t1URL = try findVolume(in: folder, suffix: "_t1") else {
                throw DataError.invalidFile(path: folder.path, reason: "no *_t1.nii[.gz]")
            }
            let (t1, seg, segURL) = try caseVolumes(image: t1URL, in: folder, limits: limits)
            let (w, h, depth) = t1.dims
            for k in 0..<depth {
                let labels = seg.slice(k)
                var nested = [BinaryMask](repeating: BinaryMask(width: w, height: h), count: 3)
                for (i, v) in labels.enumerated() where v != 0 {
                    let x = i % w
                    let y = i / w
                    switch v {
                    case 1:
                        nested[0][x, y] = true
                        nested[1][x, y] = true
                        nested[2][x, y] = true
                    case 2:
                        nested[1][x, y] = true
                        nested[2][x, y] = true
                    case 4: nested[2][x, y] = true
                    default:
                        throw DataError.invalidFile(
                            path: segURL.path, reason: "unexpected label \(v) in slice \(k) (want 0, 1, 2, 4)")
                    }
                }
                let plane = t1.slice(k)
                let keep: Bool
                switch dropRule {
                case .allEmpty: keep = !nested.allSatisfy(\.isEmpty)
                case .anyEmpty: keep = !nested.contains(where: \.isEmpty) && plane.contains { $0 != 0 }
                }
                if !keep { continue }
                try limits.checkCaseCount(cases.count + 1, source: root.path)
                let id = "\(name)-z\(String(format: "%03d", k))"
                let (ow, oh) = (size ?? w, size ?? h)
                let image = try CaseImage(
                    width: ow, height: oh,
                    pixels: Resampling.bilinear(plane, width: w, height: h, toWidth: ow, height: oh),
                    sourceType: "nifti", name: id)
                let raters = nested.map { Resampling.nearest($0, toWidth: ow, height: oh) }
                cases.append(
                    try MultiRaterCase(
                        image: image, raters: raters,
                        metadata: CaseMetadata(caseID: id, groupID: name, sourceIndex: cases.count)))
            }
        }
        return MultiRaterDataset(name: root.lastPathComponent, source: "brats:\(root.path)", cases: cases)
    }

    /// Reads a case's image volume `image` and its label volume `*_seg.nii[.gz]` in `folder` (which
    /// `caseFolders` guaranteed), and checks that their dimensions agree.
    ///
    /// - Parameters:
    ///   - image: the image volume's file.
    ///   - folder: the case folder.
    ///   - limits: the decompression bound.
    /// - Returns: the image volume, the label volume and the label volume's file.
    /// - Throws: the NIfTI reader's errors, or `DataError.invalidFile` naming the label file when the sizes differ.
    static func caseVolumes(image: URL, in folder: URL, limits: DatasetLimits) throws -> (
        image: NIfTIVolume, labels: NIfTIVolume, labelsURL: URL
    ) {
        guard let labelsURL = try findVolume(in: folder, suffix: "_seg") else {
            throw DataError.invalidFile(path: folder.path, reason: "no *_seg.nii[.gz]")
        }
        let volume = try NIfTIVolume(contentsOf: image, maxDecompressedBytes: limits.maxDecompressedBytes)
        let labels = try NIfTIVolume(contentsOf: labelsURL, maxDecompressedBytes: limits.maxDecompressedBytes)
        guard volume.dims == labels.dims else {
            throw DataError.invalidFile(
                path: labelsURL.path,
                reason: "label volume \(labels.dims) differs from the image \(image.lastPathComponent) \(volume.dims)")
        }
        return (volume, labels, labelsURL)
    }

    /// The first `*<suffix>.nii` or `*<suffix>.nii.gz` file in `folder` (case-insensitive).
    static func findVolume(in folder: URL, suffix: String) throws -> URL? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return nil }
        return names.sorted().first { n in
            let l = n.lowercased()
            return l.hasSuffix("\(suffix).nii") || l.hasSuffix("\(suffix).nii.gz")
        }.map { folder.appendingPathComponent($0) }
    }
}
