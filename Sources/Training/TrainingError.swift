/// Errors of a training run, each with a message for the user.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// Settings that cannot run (no epochs, no trainable parameter, …).
    case invalidConfiguration(String)
    /// Training examples that cannot be trained on (none at all, …).
    case invalidData(String)
    /// A NaN or infinity in the loss or a gradient stopped the run (the message says where, and what was
    /// kept).
    case nonFinite(String)
    /// A resume file that is missing, damaged or from a different run.
    case invalidResumeState(String)
    /// `TrainerConfiguration.isCancelled` asked the run to stop (between two steps).
    case cancelled(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let why): return "invalid training configuration: \(why)"
        case .invalidData(let why): return "invalid training data: \(why)"
        case .nonFinite(let why): return why
        case .invalidResumeState(let why): return "cannot resume: \(why)"
        case .cancelled(let why): return why
        }
    }
}
