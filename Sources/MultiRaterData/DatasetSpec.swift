import Foundation

/// A dataset named on the command line.
///
/// Forms: `npz:PATH`, `pickle:PATH`, `folder:PATH`, `brats:PATH`, `bubil:PATH`, `synthetic:N[:SEED]`
/// (SEED defaults to 1). Without a prefix the kind is detected from PATH: `.npz` → npz,
/// `.pkl`/`.pickle` → pickle, a folder with `RawImages/` + `ExpertsAnnotations/` (or one
/// `BU-BIL_Dataset*` child) → bubil, a folder with `*_seg.nii[.gz]` in it or in a sub-folder → brats,
/// any other folder → folder.
public enum DatasetSpec: Sendable, Equatable {
    case npz(URL)
    case pickle(URL)
    case folder(URL)
    case brats(URL)
    case bubil(URL)
    /// A multi-class label-map folder (`ROOT/<case>/image.png` + `label.png`, `classes.json` in ROOT or
    /// its parent), read as one single-rater case per (slice, class present): see `LabelMapDataset`.
    case labels(URL)
    /// BraTS case folders read as multi-class label maps (`brats-labels:ROOT`; ids 1, 2, 4 kept with
    /// names): see `LabelMapDataset.readBraTS`. As a multi-rater dataset, one case per (slice, class).
    case bratsLabels(URL)
    case synthetic(count: Int, seed: UInt64)

    /// One-paragraph description for `--help`.
    public static let helpText = """
        Dataset SPEC: npz:PATH (images (N,H,W[,C]) + masks (N,K,H,W), 0/1 or 0/255, or np.packbits along \
        the last axis with a 'shape' entry), pickle:PATH (Probabilistic U-Net data_lidc.pickle layout), \
        folder:PATH (ROOT/<case>/image.png + rater*.png), brats:PATH (BraTS NIfTI *_t1 + *_seg, 128x128 \
        slices, 3 nested raters), bubil:PATH (BU-BIL RawImages + ExpertsAnnotations), labels:PATH \
        (ROOT/<case>/image.png + label.png with class ids, classes.json in ROOT or its parent; one \
        single-rater case per slice and class present, named <case>_<class>), brats-labels:PATH (BraTS case \
        folders as label maps: *_seg classes 1 NCR/NET, 2 edema, 4 enhancing tumour, image *_t1 else *_flair, \
        *_t1ce, *_t2; every slice with a label), synthetic:N[:SEED]. \
        Without a prefix the kind is guessed from the path.
        """

    /// Parses a SPEC (see the type's notes), detecting the kind from the path when there is no prefix.
    ///
    /// - Throws: `DataError.invalidSpec` for an empty path, a malformed `synthetic:` count or seed, or a
    ///   path whose kind cannot be told; `DataError.invalidFile` when an unprefixed path does not exist.
    public init(parsing text: String) throws {
        let kinds = ["npz", "pickle", "folder", "brats", "bubil", "labels", "brats-labels", "synthetic"]
        if let colon = text.firstIndex(of: ":"), kinds.contains(String(text[..<colon])) {
            let kind = String(text[..<colon])
            let rest = String(text[text.index(after: colon)...])
            guard !rest.isEmpty else { throw DataError.invalidSpec("'\(text)' has no path") }
            let url = URL(fileURLWithPath: rest)
            switch kind {
            case "npz": self = .npz(url)
            case "pickle": self = .pickle(url)
            case "folder": self = .folder(url)
            case "brats": self = .brats(url)
            case "bubil": self = .bubil(url)
            case "labels": self = .labels(url)
            case "brats-labels": self = .bratsLabels(url)
            default:
                let parts = rest.split(separator: ":")
                guard (1...2).contains(parts.count), let n = Int(parts[0]), n >= 1,
                    let seed = parts.count == 2 ? UInt64(parts[1]) : 1
                else {
                    throw DataError.invalidSpec("'\(text)': want synthetic:N[:SEED] with N >= 1")
                }
                self = .synthetic(count: n, seed: seed)
            }
            return
        }
        let url = URL(fileURLWithPath: text)
        let lower = text.lowercased()
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataError.invalidFile(path: text, reason: "no such file or folder")
        }
        if lower.hasSuffix(".npz") {
            self = .npz(url)
        } else if lower.hasSuffix(".pkl") || lower.hasSuffix(".pickle") {
            self = .pickle(url)
        } else if ImageFiles.isDirectory(url) {
            if BUBILReader.looksLike(url) {
                self = .bubil(url)
            } else if LabelMapDataset.looksLike(url) {
                self = .labels(url)
            } else if Self.containsBraTS(url) {
                self = .brats(url)
            } else {
                self = .folder(url)
            }
        } else {
            throw DataError.invalidSpec(
                "cannot tell the kind of '\(text)'; use a prefix (npz:, pickle:, folder:, brats:, bubil:, labels:)")
        }
    }

    /// The dataset without this machine's folders, for records that travel with a model file: the kind and
    /// the last path component (`npz:lidc_crops_128.npz`, `bubil:bu-bil-d1`), or `synthetic:N:SEED`.
    public var portableDescription: String {
        switch self {
        case .npz(let url): return "npz:" + url.lastPathComponent
        case .pickle(let url): return "pickle:" + url.lastPathComponent
        case .folder(let url): return "folder:" + url.lastPathComponent
        case .brats(let url): return "brats:" + url.lastPathComponent
        case .bubil(let url): return "bubil:" + url.lastPathComponent
        case .labels(let url): return "labels:" + url.lastPathComponent
        case .bratsLabels(let url): return "brats-labels:" + url.lastPathComponent
        case .synthetic(let count, let seed): return "synthetic:\(count):\(seed)"
        }
    }

    /// The multi-class label maps of a `labels:` or `brats-labels:` dataset, or nil for the other kinds.
    ///
    /// - Parameter limits: caps on the case (slice) count and on decompressed sizes.
    public func labelMapDataset(limits: DatasetLimits = DatasetLimits()) throws -> LabelMapDataset? {
        switch self {
        case .labels(let url): return try LabelMapDataset.read(root: url, maximumCases: limits.maxCases)
        case .bratsLabels(let url): return try LabelMapDataset.readBraTS(root: url, limits: limits)
        default: return nil
        }
    }

    static func containsBraTS(_ url: URL) -> Bool {
        if (try? BraTSReader.findVolume(in: url, suffix: "_seg")) ?? nil != nil { return true }
        let children = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
        return children.contains { ((try? BraTSReader.findVolume(in: $0, suffix: "_seg")) ?? nil) != nil }
    }

    /// Reads the dataset within `limits` (checked before the work they bound).
    ///
    /// - Parameters:
    ///   - bratsDropRule: which slices a `brats:` dataset drops; the other kinds ignore it.
    ///   - foreground: the pixel value marking foreground in PNG masks (`folder:` default non-zero,
    ///     `bubil:` default zero); the other kinds store masks as arrays and refuse it.
    ///   - limits: caps on the case count and on decompressed sizes.
    ///   - progress: called with (cases read, cases in all) while PNG folders are read.
    public func load(
        bratsDropRule: BraTSReader.DropRule = .allEmpty, foreground: MaskForeground? = nil,
        limits: DatasetLimits = DatasetLimits(),
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> MultiRaterDataset {
        if let foreground {
            switch self {
            case .folder, .bubil: break
            default:
                throw DataError.unsupported(
                    "a mask foreground value (\(foreground.rawValue)) applies to PNG masks (folder: and bubil: datasets) only"
                )
            }
        }
        let dataset: MultiRaterDataset
        switch self {
        case .npz(let url): dataset = try NPZDatasetReader.read(contentsOf: url, limits: limits)
        case .pickle(let url): dataset = try PickleDatasetReader.read(contentsOf: url)
        case .folder(let url):
            dataset = try FolderDatasetReader.read(
                root: url, foreground: foreground ?? .nonZero, limits: limits, progress: progress)
        case .brats(let url): dataset = try BraTSReader.read(root: url, dropRule: bratsDropRule, limits: limits)
        case .bubil(let url):
            dataset = try BUBILReader.read(
                root: url, foreground: foreground ?? .zero, limits: limits, progress: progress)
        case .labels(let url):
            dataset = try LabelMapDataset.read(root: url, maximumCases: limits.maxCases).perClassDataset()
        case .bratsLabels(let url):
            dataset = try LabelMapDataset.readBraTS(root: url, limits: limits).perClassDataset()
        case .synthetic(let count, let seed):
            try limits.checkCaseCount(count, source: "synthetic:\(count)")
            dataset = MultiRaterDataset(
                name: "synthetic", source: "synthetic:\(count):\(seed)",
                cases: try SyntheticCaseGenerator(seed: seed).generate(count: count))
        }
        try limits.checkCaseCount(dataset.cases.count, source: dataset.source)
        return dataset
    }
}
