import Foundation
import P2SAM
import XCTest

/// `P2SAMModelFile.readMetadata(contentsOf:)`: a model's metadata from the file header alone, equal to what a whole
/// read gives, with errors that name the file.
final class ModelMetadataReadTests: XCTestCase {
    func testHeaderMetadataEqualsTheWholeReadsForEveryBundledModel() throws {
        for entry in P2SAMModelCard.entries {
            for url in try P2SAMModelCard.resolve(entry.name) {
                let metadata = try P2SAMModelFile.readMetadata(contentsOf: url)
                XCTAssertEqual(metadata, try P2SAMModelFile(contentsOf: url).metadata, url.lastPathComponent)
                XCTAssertEqual(metadata["format"], "p2sam-v1", url.lastPathComponent)
            }
        }
    }

    func testMissingOrBrokenFilesAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("none.safetensors")
        XCTAssertThrowsError(try P2SAMModelFile.readMetadata(contentsOf: missing)) {
            XCTAssertTrue("\($0)".contains("no model file at \(missing.path)"), "\($0)")
        }
        let broken = directory.appendingPathComponent("broken.safetensors")
        try Data("not a model".utf8).write(to: broken)
        XCTAssertThrowsError(try P2SAMModelFile.readMetadata(contentsOf: broken)) {
            XCTAssertTrue("\($0)".contains("\(broken.path) is not a readable safetensors model file"), "\($0)")
        }
    }
}
