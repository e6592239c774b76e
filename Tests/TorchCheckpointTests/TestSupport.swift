import Foundation
import XCTest

/// Locations of committed fixtures and optional local real-data files.
enum TestFiles {
    /// The `Fixtures` folder copied into the test bundle.
    static var fixtures: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    static func fixture(_ name: String) -> URL {
        fixtures.appendingPathComponent(name)
    }

    /// The package root, found from this source file's path.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A fresh temporary directory, removed by the test case's teardown block.
    static func temporaryDirectory(for testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("TorchCheckpointTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixture(name)))
    }
}

/// Asserts that `body` throws an error whose description contains every one of `fragments`.
func assertThrows<T>(
    _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let message = "\(error)"
        for fragment in fragments where !message.contains(fragment) {
            XCTFail("error '\(message)' does not contain '\(fragment)'", file: file, line: line)
        }
    }
}
