import Foundation

/// The JSON of `p2sam benchmark --json` (schema: `docs/schemas/benchmark-report.schema.json`), read by
/// `scripts/benchmark-peers.sh`. Times are whole-row milliseconds (a decoder row covers all its prompts).
struct BenchmarkReport: Encodable {
    var cpuModel: String?
    var workers: Int
    var runs: Int
    var warmup: Int
    /// The precision the linear layers' GEMMs ran in (`f32` or `bf16`).
    var precision: String
    var sgemmPeakGFLOPS: Double
    /// Other processes' share of all CPU time from start to end of the run (0…1), nil without /proc.
    var othersCPUShare: Double?
    var inferencePeakRSSBytes: Int?
    var rows: [BenchmarkRow]

    enum CodingKeys: String, CodingKey {
        case cpuModel = "cpu_model"
        case workers, runs, warmup, precision
        case sgemmPeakGFLOPS = "sgemm_peak_gflops"
        case othersCPUShare = "others_cpu_share"
        case inferencePeakRSSBytes = "inference_peak_rss_bytes"
        case rows
    }

    enum RowKeys: String, CodingKey {
        case name, stage, prompts
        case medianMs = "median_ms"
        case minMs = "min_ms"
        case maxMs = "max_ms"
        case targetMs = "target_ms"
        case peakRSSBytes = "peak_rss_bytes"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(cpuModel, forKey: .cpuModel)
        try c.encode(workers, forKey: .workers)
        try c.encode(runs, forKey: .runs)
        try c.encode(warmup, forKey: .warmup)
        try c.encode(precision, forKey: .precision)
        try c.encode(sgemmPeakGFLOPS, forKey: .sgemmPeakGFLOPS)
        try c.encodeIfPresent(othersCPUShare, forKey: .othersCPUShare)
        try c.encodeIfPresent(inferencePeakRSSBytes, forKey: .inferencePeakRSSBytes)
        var list = c.nestedUnkeyedContainer(forKey: .rows)
        for row in rows {
            var r = list.nestedContainer(keyedBy: RowKeys.self)
            try r.encode(row.name, forKey: .name)
            try r.encodeIfPresent(row.stage, forKey: .stage)
            try r.encodeIfPresent(row.perUnit, forKey: .prompts)
            try r.encode(row.ms.median, forKey: .medianMs)
            try r.encode(row.ms.min, forKey: .minMs)
            try r.encode(row.ms.max, forKey: .maxMs)
            try r.encodeIfPresent(row.target, forKey: .targetMs)
            try r.encodeIfPresent(row.rss, forKey: .peakRSSBytes)
        }
    }

    /// Writes the report to a temporary file beside `url`, then renames it into place.
    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
