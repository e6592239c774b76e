/// Errors thrown by the multi-rater metrics.
public enum MetricError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two masks (or a mask and a map) do not have the same width and height.
    case sizeMismatch(expected: String, found: String)
    /// A value array does not hold `width * height` elements.
    case countMismatch(expected: Int, found: Int)
    /// A set of masks is empty where at least one mask is required.
    case emptySet(String)
    /// A parameter is outside its valid range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .sizeMismatch(let expected, let found): return "mask size mismatch: expected \(expected), found \(found)"
        case .countMismatch(let expected, let found): return "expected \(expected) pixel values, found \(found)"
        case .emptySet(let what): return "\(what) must contain at least one mask"
        case .invalidArgument(let what): return "invalid argument: \(what)"
        }
    }
}
