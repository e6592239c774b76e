import Foundation
import MultiRaterData
import MultiRaterMetrics
import SeededSampling
import ShardedRuns

/// The record of one slice in a sharded `score --benchmark-lidc` run: raters 0-1 scored as samples
/// against raters 2-3, and 16 seeded samples (a random rater's mask, dilated, eroded or kept) against
/// all four raters, with the sample stream seeded from (seed, case id).
struct LIDCScoreRecord: Codable {
    var pairs: MultiRaterScore
    var samples: MultiRaterScore

    enum CodingKeys: String, CodingKey {
        case pairs = "raters_01_vs_23"
        case samples = "samples_16_vs_4"
    }
}

/// `score --benchmark-lidc PATH --shard i/n --output DIR`: the LIDC mask scoring split into shards,
/// merged by `p2sam merge` (the measurement of docs/cluster.md).
enum ScoreShards {
    static func run(path: String, seed: UInt64, conventions: MetricConventions, shard: Shard, output: String) throws {
        let dataset = try NPZDatasetReader.read(contentsOf: URL(fileURLWithPath: path))
        let manifest = try ShardManifest(
            kind: "lidc-score", dataset: "npz:\(path)", split: "all",
            method: "raters 0-1 vs 2-3; 16 seeded samples vs 4",
            modelSHA256: "none", seed: seed,
            conventions: "hm-iou \(conventions.hungarianIoU.rawValue), dmax \(conventions.maximumDice.rawValue)",
            settings: [:], toolVersion: ToolVersion.current, allCaseIDs: dataset.cases.map(\.metadata.caseID),
            shard: shard)
        let directory = try ShardOutputFolder.open(output, manifest: manifest)
        let index = Dictionary(
            dataset.cases.enumerated().map { ($0.element.metadata.caseID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let pending = directory.pendingCaseIDs
        // Slices take milliseconds: score and flush them 512 at a time (a restart redoes at most 512).
        for start in stride(from: 0, to: pending.count, by: 512) {
            let batch = Array(pending[start..<min(start + 512, pending.count)])
            let records = try scores(batch, dataset: dataset, index: index, seed: seed, conventions: conventions)
            try directory.append(contentsOf: zip(batch, records).map { ShardRecord(caseID: $0, value: $1) })
        }
        print(
            "shard \(shard): \(manifest.caseIDs.count) slice(s) in \(output) (\(manifest.caseIDs.count - pending.count) from an earlier run)"
        )
        if shard.count == 1 {
            let merged = try ShardMerge.merge([directory.url], as: LIDCScoreRecord.self)
            try report(merged.records, json: nil)
        }
    }

    /// The records of `ids`, computed in parallel, in the order of `ids`.
    private static func scores(
        _ ids: [String], dataset: MultiRaterDataset, index: [String: Int], seed: UInt64,
        conventions: MetricConventions
    ) throws -> [LIDCScoreRecord] {
        try ScoreBenchmark.parallelMap(ids.count) { k -> LIDCScoreRecord in
            let pending = ids
            let raters = dataset.cases[index[pending[k]]!].raters
            guard raters.count >= 4 else {
                throw DataError.invalidCase(id: pending[k], reason: "the LIDC scoring needs 4 raters")
            }
            let random = SeededRandom(seed: CaseSeed.seed(run: seed, caseID: pending[k], stream: "samples"))
            let samples: [BinaryMask] = (0..<16).map { _ in
                let mask = raters[random.integer(below: raters.count)]
                switch random.integer(below: 3) {
                case 0: return mask.dilated()
                case 1: return mask.eroded()
                default: return mask
                }
            }
            return LIDCScoreRecord(
                pairs: try MultiRaterScore(
                    samples: Array(raters[0..<2]), raters: Array(raters[2..<4]), conventions: conventions),
                samples: try MultiRaterScore(samples: samples, raters: raters, conventions: conventions))
        }
    }

    /// Prints the two means (and writes them as JSON).
    static func report(_ records: [ShardRecord<LIDCScoreRecord>], json: String?) throws {
        let pairs = MultiRaterScore.mean(of: records.map(\.value.pairs))
        let samples = MultiRaterScore.mean(of: records.map(\.value.samples))
        func line(_ s: MultiRaterScore) -> String {
            String(
                format: "GED %.4f  HM-IoU %.4f  D_max %.4f  D_mean %.4f  div_S %.4f  div_Y %.4f",
                s.ged, s.hmIoU, s.dMax, s.dMean, s.sampleDiversity, s.raterDiversity)
        }
        print("LIDC masks: \(records.count) slices")
        print("raters 0-1 vs 2-3 (n=2, m=2): mean \(line(pairs))")
        print("16 seeded samples vs 4:       mean \(line(samples))")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            var object =
                try JSONSerialization.jsonObject(
                    with: encoder.encode(["raters_01_vs_23": pairs, "samples_16_vs_4": samples])) as! [String: Any]
            object["cases"] = records.count
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(
                to: URL(fileURLWithPath: json))
        }
    }
}
