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
        case .fileAccess(let path, let reason):
            return "\(path): \(reason)"
        case .pngDecode(let path, let message):
            return "\(path): cannot decode PNG: \(message)"
        case .pngEncode(let path, let message):
            return "\(path): cannot encode PNG: \(message)"
        case .imageTooLarge(let path, let width, let height, let limit):
            return "\(path): image is \(width)x\(height) pixels; the limit is \(limit) pixels on a side"
        case .invalidImage(let message):
            return "invalid image: \(message)"
        case .invalidPrompt(let message):
            return "invalid prompt: \(message)"
        }
    }
}
