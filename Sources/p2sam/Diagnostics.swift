import Foundation

/// Messages of the command-line tool on stderr, all with the same lower-case prefixes
/// (`error: …`, `warning: …`).
enum Diagnostics {
    /// Writes `warning: message` on stderr.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Writes `error: message` on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

/// A run-time error of the command-line tool (printed as `error: description`, without the usage text
/// that option errors get).
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
