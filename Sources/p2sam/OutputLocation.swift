import Foundation

/// Creates the folders that output files go into before any computing, so a missing folder never
/// costs a finished run.
enum OutputLocation {
    /// Creates the parent folder of each given file path (nil paths are skipped).
    static func prepareFiles(_ paths: String?...) throws {
        for case let path? in paths {
            let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
            try createFolder(parent, for: path)
        }
    }

    /// Creates `path` as a folder (and its parents).
    static func prepareFolder(_ path: String) throws {
        try createFolder(URL(fileURLWithPath: path), for: path)
    }

    private static func createFolder(_ folder: URL, for path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputLocationError(path: path, reason: "\(folder.path) is a file, not a folder")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputLocationError(
                path: path, reason: "cannot create folder \(folder.path): \(ErrorText.reason(error))")
        }
    }
}

/// An output path that cannot be written.
struct OutputLocationError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "output \(path): \(reason)" }
}
