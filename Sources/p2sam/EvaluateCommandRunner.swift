import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling
import ShardedRuns

/// The case loop of `evaluate`: simulate the box, embed, run the method, score; progress on stderr.
/// Cases run in sorted id order and each yields one `EvaluationCaseRecord`.
struct EvaluateCommandRunner {
    var method: any EvaluationMethod
    var quality: BoxQuality
    var boxFromMajority: Bool
    var count: Int
    var seed: UInt64
    var window: IntensityWindow?
    /// HM-IoU and D_max conventions of the set scores.
    var conventions = MetricConventions()

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

    /// The record of one case. Its box and method streams are seeded from (seed, case id), so the
    /// case gets the same masks in any shard, split file or `--limit`.
    func record(_ item: MultiRaterCase, predictor: LiteMedSAMPredictor) throws -> EvaluationCaseRecord {
        let start = Date()
        let id = item.metadata.caseID
        guard let image = item.image else { throw DataError.invalidCase(id: id, reason: "case has no image") }
        let majority = EvaluateCommandCases.majority(item.raters)
        let source = boxFromMajority ? majority : EvaluateCommandCases.union(item.raters)
        let picture = try EvaluateCommandCases.picture(image, window: window)
        let frame = ImageFrame(width: picture.width, height: picture.height)
        let boxRandom = SeededRandom(seed: CaseSeed.seed(run: seed, caseID: id, stream: "box"))
        let methodRandom = SeededRandom(seed: CaseSeed.seed(run: seed, caseID: id, stream: "method"))
        var box = BoundingBox(x0: 0, y0: 0, x1: Double(frame.width), y1: Double(frame.height))
        var boxIoU = 1.0
        if method.needsBox {
            guard let tight = BoundingBox(tightAround: source) else {
                return EvaluationCaseRecord(
                    score: nil, skipped: "empty \(boxFromMajority ? "majority" : "union")",
                    seconds: Date().timeIntervalSince(start))
            }
            box = try quality.box(around: tight, frame: frame, random: boxRandom)
            boxIoU = box.intersectionOverUnion(with: tight)
        }
        let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: picture)
        let output = try method.run(
            EvaluationInput(segmenter: segmenter, picture: picture, box: box, count: count, random: methodRandom))
        let score = try MultiRaterScore(samples: output.samples, raters: item.raters, conventions: conventions)
        let caseScore = EvaluationCaseScore(
            score: score, dice: try diceCoefficient(output.final, majority),
            iou: try intersectionOverUnion(output.final, majority), boxIoU: boxIoU,
            meanEntropy: output.meanEntropy, accepted: output.accepted.map { $0 ? 1 : 0 })
        return EvaluationCaseRecord(score: caseScore, skipped: nil, seconds: Date().timeIntervalSince(start))
    }

    /// Runs `caseIDs` (in order) through `record`, handing each record to `sink`; progress on stderr.
    func run(
        _ dataset: MultiRaterDataset, caseIDs: [String], predictor: LiteMedSAMPredictor,
        sink: (ShardRecord<EvaluationCaseRecord>) throws -> Void
    ) throws {
        let index = Dictionary(
            dataset.cases.enumerated().map { ($0.element.metadata.caseID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let start = Date()
        for (i, id) in caseIDs.enumerated() {
            let value = try record(dataset.cases[index[id]!], predictor: predictor)
            try sink(ShardRecord(caseID: id, value: value))
            progress(i + 1, caseIDs.count, id, start, note: value.skipped.map { "skipped (\($0))" })
        }
    }

    private func progress(_ done: Int, _ total: Int, _ id: String, _ start: Date, note: String?) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let line = String(
            format: "case %d/%d %@%@  %.2f cases/s  ETA %.0f s\n", done, total, id, note.map { " " + $0 } ?? "", rate,
            eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
