import SeededSampling

/// How `P2SAMSampler` turns a presence head's per-sample probabilities p_k into present/empty samples (no effect
/// on a model without the head). All three use one GSL mt19937 stream of their own (seed + 0x5052_4553), so the
/// latents and boxes are the same whichever is chosen.
public enum PresenceDraw: String, Sendable, Codable, CaseIterable {
    /// Sample k is present when the k-th uniform draw of the stream is below p_k (the draws are independent:
    /// the number of empty samples of an image varies around n · (1 − p̄)).
    case independent
    /// Systematic sampling: one uniform u and a random order π of the n samples (Fisher–Yates on the stream);
    /// sample k is present when (π(k) + u) / n is below p_k, so with equal p_k exactly ⌊n p⌋ or ⌈n p⌉ samples are
    /// present (the expected share is the same as `independent`, its spread over images is removed).
    case stratified
    /// One draw per image: every sample is present when the first uniform draw is below the mean of the p_k, else
    /// every sample is empty.
    case image

    /// Which of `probabilities.count` samples are present for probabilities `probabilities` (`[n]`, each in
    /// [0, 1]) from a stream seeded with `seed` (the caller adds the stream's offset).
    public func draws(probabilities: [Float], seed: UInt64) -> [Bool] {
        let random = SeededRandom(seed: seed)
        let n = probabilities.count
        switch self {
        case .independent:
            return probabilities.map { random.uniform() < Double($0) }
        case .stratified:
            let u = random.uniform()
            var order = Array(0..<n)
            random.shuffle(&order)
            return (0..<n).map { k in (Double(order[k]) + u) / Double(n) < Double(probabilities[k]) }
        case .image:
            guard n > 0 else { return [] }
            let mean = probabilities.reduce(0.0) { $0 + Double($1) } / Double(n)
            return [Bool](repeating: random.uniform() < mean, count: n)
        }
    }
}
