/// The record an evaluation keeps of one case (one line of a shard's `cases.jsonl`): its scores, or
/// why it was skipped, and the seconds it took (the only field that differs between runs).
public struct EvaluationCaseRecord: Codable, Sendable {
    public var score: EvaluationCaseScore?
    public var skipped: String?
    public var seconds: Double

    enum CodingKeys: String, CodingKey { case skipped, seconds }

    /// A case's scores (nil when skipped, with the reason in `skipped`) and its run time in seconds.
    public init(score: EvaluationCaseScore?, skipped: String?, seconds: Double) {
        self.score = score
        self.skipped = skipped
        self.seconds = seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skipped = try c.decodeIfPresent(String.self, forKey: .skipped)
        seconds = try c.decode(Double.self, forKey: .seconds)
        score = skipped == nil ? try EvaluationCaseScore(from: decoder) : nil
    }

    public func encode(to encoder: Encoder) throws {
        try score?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(skipped, forKey: .skipped)
        try c.encode(seconds, forKey: .seconds)
    }
}
