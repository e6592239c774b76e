import FileErrors
import Foundation

/// Error text for the terminal: Foundation's file errors in plain words with their path, instead of
/// raw `NSCocoaErrorDomain` dumps; every other error as it describes itself.
enum ErrorText {
    /// The message printed after "error: ".
    static func message(_ error: Error) -> String {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let action: String
        switch ns.code {
        case CocoaError.fileReadNoSuchFile.rawValue, CocoaError.fileReadNoPermission.rawValue,
            CocoaError.fileReadCorruptFile.rawValue, CocoaError.fileReadUnknown.rawValue,
            CocoaError.fileReadTooLarge.rawValue, CocoaError.fileReadInvalidFileName.rawValue,
            CocoaError.fileReadUnknownStringEncoding.rawValue, CocoaError.fileReadInapplicableStringEncoding.rawValue:
            action = "cannot read"
        default:
            action = "cannot write"
        }
        return "\(path.map { "\($0): " } ?? "")\(action) the file: \(reason(error))"
    }

    /// The operating system's reason (the underlying POSIX error) when there is one.
    static func reason(_ error: Error) -> String { FileErrorText.reason(error) }
}

/// A file error restated in words (see `ErrorText`).
struct ReadableFileError: Error, CustomStringConvertible {
    let description: String
}
