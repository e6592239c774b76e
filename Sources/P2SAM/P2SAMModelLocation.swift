import Foundation

/// Where `p2sam sample` finds a P²SAM model when none is named.
public enum P2SAMModelLocation {
    /// The bundled default model's path inside the package.
    public static let bundledRelativePath = "Models/p2sam/default.safetensors"

    /// `$P2SAM_MODEL`, else `Models/p2sam/default.safetensors` under the current directory, else
    /// under the package root inferred from the executable (`.build/<config>/p2sam`).
    public static func defaultURL() -> URL {
        if let path = ProcessInfo.processInfo.environment["P2SAM_MODEL"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
            bundledRelativePath)
        if FileManager.default.fileExists(atPath: local.path) { return local }
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(bundledRelativePath)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return local
    }
}
