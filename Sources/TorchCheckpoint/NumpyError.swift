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
        case let .badMagic(source):
            return "\(source): not a .npy file (missing \\x93NUMPY magic)"
        case let .unsupportedVersion(source, major, minor):
            return "\(source): unsupported .npy format version \(major).\(minor)"
        case let .truncatedHeader(source, needed, available):
            return "\(source): .npy header truncated (needs \(needed) bytes, \(available) available)"
        case let .badHeader(source, reason):
            return "\(source): malformed .npy header: \(reason)"
        case let .unsupportedDType(source, descr, reason):
            return "\(source): unsupported dtype '\(descr)': \(reason)"
        case let .shortData(source, expected, available):
            return "\(source): data section has \(available) bytes but the shape needs \(expected)"
        case let .byteCountMismatch(dtype, shape, expected, actual):
            return "NumpyArray \(dtype.rawValue) \(shape): expected \(expected) bytes, got \(actual)"
        case let .badShape(source, shape):
            return "\(source): invalid shape \(shape)"
        case let .wrongDType(expected, actual):
            return "NumpyArray: expected dtype \(expected), have \(actual)"
        case let .notAStringArray(source, descr):
            return "\(source): dtype '\(descr)' is not a string array ('<U' or '|S')"
        case let .stringArray(source, descr):
            return "\(source): dtype '\(descr)' is a string array; read it with strings() / NPY.readStrings"
        case let .memberNotFound(archive, name):
            return "\(archive): no array named '\(name)'"
        case let .memberTooLarge(archive, name, bytes, limit):
            return "\(archive): member '\(name)' inflates to \(bytes) bytes, over the limit of \(limit) bytes"
        case let .writeFailed(path, reason):
            return "\(path): cannot write .npy: \(reason)"
        }
    }
}
