/// Why a safetensors file could not be written, read or applied.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than its 8-byte length prefix or its declared header.
    case truncated(String)
    /// The header length exceeds the 100 MB limit of the format.
    case headerTooLarge(UInt64)
    /// The header is not the expected JSON object.
    case malformedHeader(String)
    /// A dtype other than `F32` (the only one this reader converts).
    case unsupportedDType(name: String, dtype: String)
    /// Offsets out of range, overlapping, leaving holes, or not matching the shape.
    case invalidOffsets(String)
    /// A tensor contains NaN or ±infinity (when the reader is asked to refuse them).
    case nonFiniteValue(name: String, index: Int)
    /// A stored tensor's shape differs from the parameter's.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// Parameters absent from the file and stored tensors matching no parameter (strict loading).
    case nameMismatch(missing: [String], unexpected: [String])
    /// Two tensors with the same name were given to the writer.
    case duplicateName(String)
    /// The file could not be read (missing, unreadable); `reason` is the operating system's.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let what): return "safetensors: truncated file (\(what))"
        case .headerTooLarge(let n): return "safetensors: header of \(n) bytes exceeds the 100 MB limit"
        case .malformedHeader(let why): return "safetensors: malformed header: \(why)"
        case .unsupportedDType(let name, let dtype):
            return "safetensors: tensor \(name) has unsupported dtype \(dtype) (only F32)"
        case .invalidOffsets(let why): return "safetensors: invalid data offsets: \(why)"
        case .nonFiniteValue(let name, let index):
            return "safetensors: tensor \(name) has a non-finite value at element \(index)"
        case .shapeMismatch(let name, let expected, let found):
            return "safetensors: \(name) has shape \(found), parameter wants \(expected)"
        case .nameMismatch(let missing, let unexpected):
            return "safetensors: missing tensors \(missing), unexpected tensors \(unexpected)"
        case .duplicateName(let name): return "safetensors: duplicate tensor name \(name)"
        case .unreadable(let path, let reason): return "\(path): cannot read the file: \(reason)"
        }
    }
}
