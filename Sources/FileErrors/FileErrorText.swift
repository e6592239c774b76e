import Foundation

/// Plain-words text for Foundation file errors, instead of raw `NSCocoaErrorDomain` dumps.
public enum FileErrorText {
    /// "cannot read the file: No such file or directory".
    public static func reading(_ error: Error) -> String { "cannot read the file: \(reason(error))" }

    /// "cannot write the file: No space left on device".
    public static func writing(_ error: Error) -> String { "cannot write the file: \(reason(error))" }

    /// The operating system's reason (the underlying POSIX error) when there is one.
    public static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        let text = ns.localizedDescription
        let prefix = "The operation could not be completed. "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
