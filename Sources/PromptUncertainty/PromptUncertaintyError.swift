/// Errors of the prompt-uncertainty methods; each message names the offending value.
public enum PromptUncertaintyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A box coordinate is NaN or infinite.
    case nonFiniteBox([Double])
    /// A box has zero (or negative) width or height; the associated text names which.
    case degenerateBox(String)
    /// A box lies entirely outside the image.
    case boxOutsideImage(box: [Double], width: Int, height: Int)
    /// A sample or point count that must be positive is not.
    case invalidCount(name: String, value: Int)
    /// A parameter outside its valid range.
    case invalidParameter(String)
    /// Maps or masks of different sizes were combined.
    case sizeMismatch(String)
    /// A mask that must have foreground is empty (e.g. the box source of a simulated prompt).
    case emptyMask(String)

    public var description: String {
        switch self {
        case .nonFiniteBox(let b): return "box \(b) has a non-finite coordinate"
        case .degenerateBox(let why): return "degenerate box: \(why)"
        case .boxOutsideImage(let b, let w, let h): return "box \(b) lies entirely outside the \(w)x\(h) image"
        case .invalidCount(let name, let value): return "\(name) must be at least 1 (got \(value))"
        case .invalidParameter(let why): return "invalid parameter: \(why)"
        case .sizeMismatch(let why): return "size mismatch: \(why)"
        case .emptyMask(let why): return "empty mask: \(why)"
        }
    }
}
