import Evaluation
import Foundation
import MultiRaterData

/// The case selection and progress lines of `evaluate` (the case loop is the library's `EvaluationRunner`).
enum EvaluateCommandRunner {
    /// Dataset indices of the chosen split part (dataset order).
    /// - Throws: when the part is empty (naming the protocol, the fold and the group count).
    static func selectedIndices(_ dataset: MultiRaterDataset, part: SplitPart, options: SplitOptions, seed: UInt64)
        throws -> [Int]
    {
        guard !dataset.cases.isEmpty else { throw CommandError("the dataset has no cases") }
        guard part != .all else { return Array(dataset.cases.indices) }
        let manifest = options.effectiveProtocol.manifest(for: dataset, seed: seed)
        let fold = try options.selectedFold(of: manifest)
        let indices = part.indices(in: fold, caseCount: dataset.cases.count)
        guard !indices.isEmpty else {
            throw SplitOptions.emptyPartError(part: part.rawValue, fold: fold, manifest: manifest, dataset: dataset)
        }
        return indices
    }
}

/// One stderr line per finished case: `case i/n ID [skipped (why)]  rate cases/s  ETA s`.
final class EvaluationProgress: EvaluationObserver {
    func caseFinished(done: Int, total: Int, caseID: String, skipped: String?, elapsed: Double) {
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let note = skipped.map { "skipped (\($0))" }
        let line = String(
            format: "case %d/%d %@%@  %.2f cases/s  ETA %.0f s\n", done, total, caseID,
            note.map { " " + $0 } ?? "", rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
