/// Errors thrown by MedImageIO. Every message names the file (when there is one) and the problem.
public enum MedImageIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read or written (missing, unreadable, empty).
    case fileAccess(path: String, reason: String)
    /// libpng rejected the data: not a PNG, corrupt, truncated or unsupported. `message` is libpng's.
    case pngDecode(path: String, message: String)
    /// libpng failed to encode the image. `message` is libpng's.
    case pngEncode(path: String, message: String)
    /// The image is larger than the accepted limit on a side.
    case imageTooLarge(path: String, width: Int, height: Int, limit: Int)
    /// The image value is inconsistent or of an unsupported kind (channels, bit depth, sizes).
    case invalidImage(String)
    /// A prompt (box or point) is outside the image or degenerate.
    case invalidPrompt(String)

    public var description: String {
        switch self {
        case let .fileAccess(path, reason):
            return "\(path): \(reason)"
        case let .pngDecode(path, message):
            return "\(path): cannot decode PNG: \(message)"
        case let .pngEncode(path, message):
            return "\(path): cannot encode PNG: \(message)"
        case let .imageTooLarge(path, width, height, limit):
            return "\(path): image is \(width)x\(height) pixels; the limit is \(limit) pixels on a side"
        case let .invalidImage(message):
            return "invalid image: \(message)"
        case let .invalidPrompt(message):
            return "invalid prompt: \(message)"
        }
    }
}
