import Foundation
import MultiRaterData
import MultiRaterMetrics

/// Reads the `--samples` / `--raters` folders of `p2sam score` (file selection: `MaskFiles`).
enum ScoreInputs {
    /// One mask and the file it came from.
    struct MaskFile {
        var url: URL
        var mask: BinaryMask
    }

    struct CasePair {
        var name: String
        var samples: [MaskFile]
        var raters: [MaskFile]
    }

    /// Which side of the comparison a folder holds.
    enum Role: String {
        case samples, raters

        func files(in folder: URL) throws -> [URL] {
            self == .samples ? try MaskFiles.sampleFiles(in: folder) : try MaskFiles.raterFiles(in: folder)
        }
    }

    /// Cases of one DIR: `[name: masks]` (a DIR with masks directly inside is one case named after it).
    static func cases(in dir: URL, role: Role, foreground: MaskForeground) throws -> [String: [MaskFile]] {
        guard ImageFiles.isDirectory(dir) else {
            throw DataError.invalidFile(path: dir.path, reason: "\(role.rawValue) folder does not exist")
        }
        func read(_ files: [URL]) throws -> [MaskFile] {
            try files.map { MaskFile(url: $0, mask: try ImageFiles.readMask($0, foreground: foreground)) }
        }
        let direct = try role.files(in: dir)
        if !direct.isEmpty {
            return [dir.standardizedFileURL.lastPathComponent: try read(direct)]
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { !$0.hasPrefix(".") && ImageFiles.isDirectory(dir.appendingPathComponent($0)) }
        guard !names.isEmpty else {
            throw DataError.invalidFile(path: dir.path, reason: "no PNG masks and no case sub-folders")
        }
        var out: [String: [MaskFile]] = [:]
        for name in names {
            let folder = dir.appendingPathComponent(name)
            let files = try role.files(in: folder)
            guard !files.isEmpty else {
                throw DataError.invalidFile(path: folder.path, reason: "folder has no PNG masks")
            }
            out[name] = try read(files)
        }
        return out
    }

    /// Cases present on both sides, sorted by name. A case missing on one side is an error naming it;
    /// so is a mask whose size differs from the case's first rater mask (naming both files).
    static func matchedCases(samples: URL, raters: URL, foreground: MaskForeground) throws -> [CasePair] {
        var s = try cases(in: samples, role: .samples, foreground: .nonZero)
        var r = try cases(in: raters, role: .raters, foreground: foreground)
        // Two single-case folders with different names are the same case: use the samples folder's name.
        if s.count == 1, r.count == 1, s.keys.first != r.keys.first,
            !(try Role.samples.files(in: samples)).isEmpty, !(try Role.raters.files(in: raters)).isEmpty
        {
            r = [s.keys.first!: r.values.first!]
        }
        if let missing = s.keys.sorted().first(where: { r[$0] == nil }) {
            throw DataError.invalidFile(path: raters.path, reason: "case '\(missing)' has samples but no rater masks")
        }
        if let missing = r.keys.sorted().first(where: { s[$0] == nil }) {
            throw DataError.invalidFile(path: samples.path, reason: "case '\(missing)' has rater masks but no samples")
        }
        s = s.filter { r[$0.key] != nil }
        let pairs = s.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { CasePair(name: $0, samples: s[$0]!, raters: r[$0]!) }
        for pair in pairs { try checkSizes(pair) }
        return pairs
    }

    /// Every mask of a case has the size of its first rater mask. - Throws: naming the odd file.
    static func checkSizes(_ pair: CasePair) throws {
        guard let reference = pair.raters.first else { return }
        for file in pair.raters + pair.samples
        where file.mask.width != reference.mask.width || file.mask.height != reference.mask.height {
            throw DataError.invalidFile(
                path: file.url.path,
                reason:
                    "mask is \(file.mask.width)x\(file.mask.height), but rater mask \(reference.url.lastPathComponent) is \(reference.mask.width)x\(reference.mask.height)"
            )
        }
    }

    /// Warnings for rater masks whose foreground covers more than half of the image (a mask stored
    /// with foreground 0 read as foreground non-zero looks like that).
    static func coverageWarnings(_ pairs: [CasePair], foreground: MaskForeground) -> [String] {
        guard foreground != .auto else { return [] }
        let large = pairs.flatMap(\.raters).filter { $0.mask.foregroundFraction > 0.5 }
        guard let first = large.first else { return [] }
        let other = foreground == .zero ? "255" : "0"
        return [
            String(
                format:
                    "%d rater mask(s) mark more than half of the image as foreground (e.g. %@: %.0f %%); if the object is stored as %@, pass --foreground %@ (or auto)",
                large.count, first.url.path, 100 * first.mask.foregroundFraction,
                other == "0" ? "0 (black)" : "non-zero", other)
        ]
    }
}
