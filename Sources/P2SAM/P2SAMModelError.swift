/// Errors of loading or using a P²SAM model.
public enum P2SAMModelError: Error, CustomStringConvertible, Equatable {
    case notAP2SAMModel(String)
    case invalidSampleCount(Int, maximum: Int)
    case invalidSeed(String)
    /// The model file and its model card disagree (sha256).
    case cardMismatch(String)
    /// A per-sample box jitter fraction that is not finite or not in `[0, 0.5)` (`PromptBoxJitter`).
    case invalidBoxJitter(Double)
    /// A mixture of models that cannot be formed or sampled (`P2SAMMixture`).
    case invalidMixture(String)

    public var description: String {
        switch self {
        case .notAP2SAMModel(let why): return "not a P²SAM model for this backbone: \(why)"
        case .invalidSampleCount(let n, let maximum): return "sample count \(n) is out of range: use 1…\(maximum)"
        case .invalidSeed(let why): return "invalid seed: \(why)"
        case .cardMismatch(let why): return "model card mismatch: \(why)"
        case .invalidMixture(let why): return "invalid mixture of P²SAM models: \(why)"
        case .invalidBoxJitter(let f):
            return
                "box jitter fraction \(f) is out of range: use a finite number in [0, \(PromptBoxJitter.fractionLimit))"
        }
    }
}
