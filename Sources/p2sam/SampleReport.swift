import Foundation
import MultiRaterMetrics

/// The JSON report of `p2sam sample --json` (schema: `docs/schemas/sample-report.schema.json`).
struct SampleReport: Encodable {
    var provenance: ReportProvenance
    var samples: Int
    var injection: String
    /// Mean over pixels of the binary entropy of the sample frequency (bits).
    var meanEntropy: Double
    var seconds: Double
    /// The samples scored against `--raters`, as a case of `p2sam score`.
    var score: MultiRaterScore?

    enum CodingKeys: String, CodingKey {
        case samples, injection
        case meanEntropy = "mean_entropy"
        case seconds, score
    }

    func encode(to encoder: Encoder) throws {
        try provenance.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(samples, forKey: .samples)
        try c.encode(injection, forKey: .injection)
        try c.encode(meanEntropy, forKey: .meanEntropy)
        try c.encode(seconds, forKey: .seconds)
        try c.encodeIfPresent(score, forKey: .score)
    }

    func writeJSON(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url)
    }
}
