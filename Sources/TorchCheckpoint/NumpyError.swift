/// Errors raised while reading or writing NumPy `.npy` / `.npz` data.
public enum NumpyError: Error, CustomStringConvertible, Equatable {
    case badMagic(source: String)
    case unsupportedVersion(source: String, major: Int, minor: Int)
    case truncatedHeader(source: String, needed: Int, available: Int)
    case badHeader(source: String, reason: String)
    case unsupportedDType(source: String, descr: String, reason: String)
    case shortData(source: String, expected: Int, available: Int)
    case byteCountMismatch(dtype: NumpyDType, shape: [Int], expected: Int, actual: Int)
    case badShape(source: String, shape: [Int])
    case wrongDType(expected: String, actual: String)
    case notAStringArray(source: String, descr: String)
    case stringArray(source: String, descr: String)
    case memberNotFound(archive: String, name: String)
    /// A compressed member would inflate past the reader's limit (checked before inflating).
    case memberTooLarge(archive: String, name: String, bytes: Int, limit: Int)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .badMagic(let source):
            return "\(source): not a .npy file (missing \\x93NUMPY magic)"
        case .unsupportedVersion(let source, let major, let minor):
            return "\(source): unsupported .npy format version \(major).\(minor)"
        case .truncatedHeader(let source, let needed, let available):
            return "\(source): .npy header truncated (needs \(needed) bytes, \(available) available)"
        case .badHeader(let source, let reason):
            return "\(source): malformed .npy header: \(reason)"
        case .unsupportedDType(let source, let descr, let reason):
            return "\(source): unsupported dtype '\(descr)': \(reason)"
        case .shortData(let source, let expected, let available):
            return "\(source): data section has \(available) bytes but the shape needs \(expected)"
        case .byteCountMismatch(let dtype, let shape, let expected, let actual):
            return "NumpyArray \(dtype.rawValue) \(shape): expected \(expected) bytes, got \(actual)"
        case .badShape(let source, let shape):
            return "\(source): invalid shape \(shape)"
        case .wrongDType(let expected, let actual):
            return "NumpyArray: expected dtype \(expected), have \(actual)"
        case .notAStringArray(let source, let descr):
            return "\(source): dtype '\(descr)' is not a string array ('<U' or '|S')"
        case .stringArray(let source, let descr):
            return "\(source): dtype '\(descr)' is a string array; read it with strings() / NPY.readStrings"
        case .memberNotFound(let archive, let name):
            return "\(archive): no array named '\(name)'"
        case .memberTooLarge(let archive, let name, let bytes, let limit):
            return "\(archive): member '\(name)' inflates to \(bytes) bytes, over the limit of \(limit) bytes"
        case .writeFailed(let path, let reason):
            return "\(path): cannot write .npy: \(reason)"
        }
    }
}
