/// Errors of U-MedSAM fine-tuning, each with a message for the user.
public enum UMedSAMError: Error, CustomStringConvertible, Equatable {
    /// Settings that cannot run.
    case invalidOptions(String)
    /// Data that cannot be trained on (no usable case, image and mask sizes that differ, …).
    case invalidData(String)
    /// A backbone that is not LiteMedSAM.
    case invalidModel(String)

    public var description: String {
        switch self {
        case .invalidOptions(let why): return "invalid fine-tuning options: \(why)"
        case .invalidData(let why): return "invalid fine-tuning data: \(why)"
        case .invalidModel(let why): return "invalid backbone: \(why)"
        }
    }
}
