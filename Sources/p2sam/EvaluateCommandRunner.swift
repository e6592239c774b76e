import ArgumentParser
import Foundation
import LiteMedSAM
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import PromptUncertainty
import SeededSampling

/// The case loop of `evaluate`: simulate the box, embed, run the method, score; progress on stderr.
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
    static func selectedIndices(_ dataset: MultiRaterDataset, split: EvaluationSplit, splitProtocol: SplitProtocol,
                                fold name: String, seed: UInt64) throws -> [Int] {
        guard split != .all else { return Array(dataset.cases.indices) }
        let folds = splitProtocol.manifest(for: dataset, seed: seed).folds
        guard let fold = Int(name).flatMap({ folds.indices.contains($0) ? $0 : nil }) ?? folds.firstIndex(where: { $0.name == name }) else {
            throw ValidationError("--fold \(name): the protocol has \(folds.count) fold(s): " + folds.enumerated().map { "\($0.offset) = \($0.element.name)" }.joined(separator: ", "))
        }
        switch split {
        case .train: return folds[fold].train
        case .val: return folds[fold].validation
        case .test: return folds[fold].test
        case .all: return []
        }
    }

    func run(_ dataset: MultiRaterDataset, indices: [Int], predictor: LiteMedSAMPredictor) throws -> EvaluationReport {
        var scored: [(String, EvaluationCaseScore)] = []
        var skipped: [String] = []
        let start = Date()
        for (i, index) in indices.enumerated() {
            let item = dataset.cases[index]
            let id = item.metadata.caseID
            guard let image = item.image else { throw DataError.invalidCase(id: id, reason: "case has no image") }
            let majority = EvaluateCommandCases.majority(item.raters)
            let source = boxFromMajority ? majority : EvaluateCommandCases.union(item.raters)
            let picture = try EvaluateCommandCases.picture(image, window: window)
            let frame = ImageFrame(width: picture.width, height: picture.height)
            let boxRandom = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(index))
            let methodRandom = SeededRandom(seed: seed &* 2_000_003 &+ UInt64(index) &+ 17)
            var box = BoundingBox(x0: 0, y0: 0, x1: Double(frame.width), y1: Double(frame.height))
            var boxIoU = 1.0
            if method.needsBox {
                guard let tight = BoundingBox(tightAround: source) else {
                    skipped.append(id)
                    progress(i + 1, indices.count, id, start, note: "skipped (empty \(boxFromMajority ? "majority" : "union"))")
                    continue
                }
                box = try quality.box(around: tight, frame: frame, random: boxRandom)
                boxIoU = box.intersectionOverUnion(with: tight)
            }
            let segmenter = try LiteMedSAMSegmenter(predictor: predictor, picture: picture)
            let output = try method.run(EvaluationInput(segmenter: segmenter, picture: picture, box: box, count: count, random: methodRandom))
            let score = try MultiRaterScore(samples: output.samples, raters: item.raters, conventions: conventions)
            scored.append((id, EvaluationCaseScore(score: score, dice: try diceCoefficient(output.final, majority),
                                                   iou: try intersectionOverUnion(output.final, majority), boxIoU: boxIoU,
                                                   meanEntropy: output.meanEntropy, accepted: output.accepted.map { $0 ? 1 : 0 })))
            progress(i + 1, indices.count, id, start, note: nil)
        }
        return EvaluationReport(method: "", dataset: dataset.source, split: "", boxQuality: quality.description,
                                boxFrom: boxFromMajority ? "majority" : "union", count: count, seed: seed, skipped: skipped,
                                seconds: Date().timeIntervalSince(start),
                                mean: scored.isEmpty ? nil : EvaluationCaseScore.mean(of: scored.map(\.1)),
                                cases: Dictionary(scored, uniquingKeysWith: { a, _ in a }), order: scored.map(\.0))
    }

    private func progress(_ done: Int, _ total: Int, _ id: String, _ start: Date, note: String?) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        let line = String(format: "case %d/%d %@%@  %.2f cases/s  ETA %.0f s\n", done, total, id, note.map { " " + $0 } ?? "", rate, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
