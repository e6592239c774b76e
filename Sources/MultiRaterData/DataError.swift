/// Errors raised while reading or validating multi-rater data. Every case names the file or case.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or folder is malformed (truncated, wrong layout, unsupported type...).
    case invalidFile(path: String, reason: String)
    /// A case's content breaks the model (no raters, size mismatch, non-binary mask, NaN...).
    case invalidCase(id: String, reason: String)
    /// The dataset SPEC string cannot be understood.
    case invalidSpec(String)
    /// A feature needs a component that is not available in this build.
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidFile(let path, let reason): return "\(path): \(reason)"
        case .invalidCase(let id, let reason): return "case \(id): \(reason)"
        case .invalidSpec(let text): return "dataset spec: \(text)"
        case .unsupported(let text): return text
        }
    }
}
