import Training

/// Errors of P²SAM training, each with a message for the command line.
public enum P2SAMTrainingError: Error, CustomStringConvertible, Equatable {
    /// A model file that does not fit the backbone or the contract (keys, shapes, metadata).
    case invalidModel(String)
    /// A dataset or split that cannot be trained on.
    case invalidData(String)
    /// Bad options.
    case invalidOptions(String)
    /// A NaN or infinity in the loss, a gradient or a parameter; training stopped.
    case nonFinite(String)
    /// A resume sidecar that does not match the run.
    case invalidResumeState(String)

    public var description: String {
        switch self {
        case .invalidModel(let why): return "invalid P²SAM model: \(why)"
        case .invalidData(let why): return "invalid training data: \(why)"
        case .invalidOptions(let why): return "invalid training options: \(why)"
        case .nonFinite(let why): return why
        case .invalidResumeState(let why): return "cannot resume: \(why)"
        }
    }
}

extension P2SAMTrainingError {
    /// The generic trainer's error as P²SAM's, with the same message.
    init(_ error: TrainingError) {
        switch error {
        case .nonFinite(let why): self = .nonFinite(why)
        case .invalidResumeState(let why): self = .invalidResumeState(why)
        case .invalidData(let why): self = .invalidData(why)
        case .invalidConfiguration(let why), .cancelled(let why): self = .invalidOptions(why)
        }
    }
}
