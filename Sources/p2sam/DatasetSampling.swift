import Evaluation
import Foundation
import MedImageIO
import MultiRaterData
import MultiRaterMetrics
import P2SAM
import ShardedRuns

/// The record `sample --dataset` keeps of one case: the multi-rater score of its samples against the
/// case's raters, the mean pixel entropy (bits) and the seconds it took (the only field that varies).
struct SampleCaseRecord: Codable {
    var score: MultiRaterScore
    var meanEntropy: Double
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case meanEntropy = "mean_entropy"
        case seconds
    }

    init(score: MultiRaterScore, meanEntropy: Double, seconds: Double) {
        self.score = score
        self.meanEntropy = meanEntropy
        self.seconds = seconds
    }

    init(from decoder: Decoder) throws {
        score = try MultiRaterScore(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        meanEntropy = try c.decode(Double.self, forKey: .meanEntropy)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    func encode(to encoder: Encoder) throws {
        try score.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(meanEntropy, forKey: .meanEntropy)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// The report of `sample --dataset` (and of `merge` on its shards): `mean` and `cases` as in
/// `p2sam score`, plus the run's settings; aggregated from records in sorted case-id order.
struct SampledDatasetReport: Encodable {
    var dataset: String
    var method: String
    var count: Int
    var seed: UInt64
    var meanEntropy: Double
    var seconds: Double
    var scores: ScoreReport

    enum CodingKeys: String, CodingKey {
        case dataset, method, count, seed
        case meanEntropy = "mean_entropy"
        case seconds, mean, cases
    }

    init(manifest: ShardManifest, records: [ShardRecord<SampleCaseRecord>]) {
        dataset = manifest.dataset
        method = manifest.method
        count = Int(manifest.settings["count"] ?? "") ?? 0
        seed = manifest.seed
        meanEntropy = records.isEmpty ? 0 : records.reduce(0) { $0 + $1.value.meanEntropy } / Double(records.count)
        seconds = records.reduce(0) { $0 + $1.value.seconds }
        scores = ScoreReport(cases: records.map { ($0.caseID, $0.value.score) })
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(method, forKey: .method)
        try c.encode(count, forKey: .count)
        try c.encode(seed, forKey: .seed)
        try c.encode(meanEntropy, forKey: .meanEntropy)
        try c.encode(seconds, forKey: .seconds)
        try scores.encode(to: encoder)
    }

    func text() -> String {
        scores.table()
            + String(
                format: "\n%d cases, %d samples each (%@): mean pixel entropy %.4f bits", scores.cases.count, count,
                method, meanEntropy)
    }
}

/// `sample --dataset`: P²SAM samples of every case (or of one shard's cases), each case's stream
/// seeded from (seed, case id). Masks go to `DIR/<case>/sample_NNN.png`, records to `DIR/cases.jsonl`.
enum DatasetSampling {
    /// A case id as a folder name (`/` and NUL replaced by `_`).
    static func folderName(_ caseID: String) -> String {
        String(caseID.map { $0 == "/" || $0 == "\0" ? "_" : $0 })
    }

    static func run(
        dataset: MultiRaterDataset, caseIDs: [String], mixture: P2SAMMixture, count: Int, seed: UInt64,
        window: IntensityWindow?, conventions: MetricConventions, directory: ShardDirectory
    ) throws {
        let index = Dictionary(
            dataset.cases.enumerated().map { ($0.element.metadata.caseID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let started = Date()
        for (i, id) in caseIDs.enumerated() {
            let start = Date()
            let item = dataset.cases[index[id]!]
            guard let image = item.image else { throw DataError.invalidCase(id: id, reason: "case has no image") }
            let picture = try EvaluationCases.picture(image, window: window)
            let prepared = try mixture.prepare(picture, embedded: nil)
            let folder = directory.url.appendingPathComponent(folderName(id))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var masks: [BinaryMask] = []
            let statistics = try mixture.sample(
                prepared, count: count, seed: CaseSeed.seed(run: seed, caseID: id, stream: "samples")
            ) { n, mask in
                try PNG.write(mask, to: folder.appendingPathComponent(String(format: "sample_%03d.png", n)).path)
                masks.append(try BinaryMask(width: mask.width, height: mask.height, bytes: mask.pixels))
            }
            let score = try MultiRaterScore(samples: masks, raters: item.raters, conventions: conventions)
            let entropy = statistics.entropy
            let record = SampleCaseRecord(
                score: score, meanEntropy: Double(entropy.reduce(0, +)) / Double(max(1, entropy.count)),
                seconds: Date().timeIntervalSince(start))
            try directory.append(ShardRecord(caseID: id, value: record))
            let rate = Double(i + 1) / max(Date().timeIntervalSince(started), 1e-9)
            FileHandle.standardError.write(
                Data(String(format: "case %d/%d %@  %.2f cases/s\n", i + 1, caseIDs.count, id, rate).utf8))
        }
    }

    /// Prints the report and writes its JSON (shared with `p2sam merge`).
    static func report(_ report: SampledDatasetReport, json: String?) throws {
        print(report.text())
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }
}
