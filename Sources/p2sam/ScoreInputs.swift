import Foundation
import MultiRaterData
import MultiRaterMetrics

/// Reads the `--samples` / `--raters` folders of `p2sam score`.
enum ScoreInputs {
    struct CasePair {
        var name: String
        var samples: [BinaryMask]
        var raters: [BinaryMask]
    }

    /// Cases of one DIR: `[name: masks]` (a DIR with PNGs directly inside is one case named after it).
    static func cases(in dir: URL, role: String) throws -> [String: [BinaryMask]] {
        guard ImageFiles.isDirectory(dir) else { throw DataError.invalidFile(path: dir.path, reason: "\(role) folder does not exist") }
        let direct = try ImageFiles.pngFiles(in: dir)
        if !direct.isEmpty {
            return [dir.standardizedFileURL.lastPathComponent: try direct.map { try ImageFiles.readPNG($0).mask() }]
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { !$0.hasPrefix(".") && ImageFiles.isDirectory(dir.appendingPathComponent($0)) }
        guard !names.isEmpty else { throw DataError.invalidFile(path: dir.path, reason: "no PNG masks and no case sub-folders") }
        var out: [String: [BinaryMask]] = [:]
        for name in names {
            let folder = dir.appendingPathComponent(name)
            let files = try ImageFiles.pngFiles(in: folder)
            guard !files.isEmpty else { throw DataError.invalidFile(path: folder.path, reason: "folder has no PNG masks") }
            out[name] = try files.map { try ImageFiles.readPNG($0).mask() }
        }
        return out
    }

    /// Cases present on both sides, sorted by name. A case missing on one side is an error naming it.
    static func matchedCases(samples: URL, raters: URL) throws -> [CasePair] {
        var s = try cases(in: samples, role: "samples"), r = try cases(in: raters, role: "raters")
        // Two single-case folders with different names are the same case: use the samples folder's name.
        if s.count == 1, r.count == 1, s.keys.first != r.keys.first,
           !(try ImageFiles.pngFiles(in: samples)).isEmpty, !(try ImageFiles.pngFiles(in: raters)).isEmpty {
            r = [s.keys.first!: r.values.first!]
        }
        if let missing = s.keys.sorted().first(where: { r[$0] == nil }) {
            throw DataError.invalidFile(path: raters.path, reason: "case '\(missing)' has samples but no rater masks")
        }
        if let missing = r.keys.sorted().first(where: { s[$0] == nil }) {
            throw DataError.invalidFile(path: samples.path, reason: "case '\(missing)' has rater masks but no samples")
        }
        s = s.filter { r[$0.key] != nil }
        return s.keys.sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { CasePair(name: $0, samples: s[$0]!, raters: r[$0]!) }
    }
}
