import Foundation
import XCTest

/// Runs the built `p2sam` executable (it sits next to the test bundle in `.build/<config>/`).
enum CLIRunner {
    /// The package checkout these tests were built from.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The bundled synthetic case `Examples/data/synthetic-0000` (image and four raters).
    static let bundledExample = repositoryRoot.appendingPathComponent("Examples/data/synthetic-0000")
    /// The bundled default P²SAM model.
    static let bundledDefaultModel = repositoryRoot.appendingPathComponent("Models/p2sam/default.safetensors")
    /// One file of the bundled BU-BIL mixture (a reader-output model storing box jitter 0.1 and a box proposal).
    static let bundledBUBILFile = repositoryRoot.appendingPathComponent("Models/p2sam/bubil-1.safetensors")

    static var executable: URL {
        let bundleDirectory = Bundle.main.bundleURL
        let candidates = [
            bundleDirectory.appendingPathComponent("p2sam"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("p2sam"),
            repositoryRoot.appendingPathComponent(".build/release/p2sam"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    static var checkpoint: URL { repositoryRoot.appendingPathComponent("Models/lite_medsam.pth") }

    struct Outcome {
        let status: Int32
        let output: String
    }

    /// Runs `p2sam arguments…` (with `environment` added to this process's), returning the exit
    /// status and stdout + stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("p2sam is not built next to the tests (run `swift build -c release` first)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func requireCheckpoint() throws {
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("p2sam-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
