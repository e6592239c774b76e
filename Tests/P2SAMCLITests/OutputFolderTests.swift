import Foundation
import MedImageIO
import XCTest

/// Every command creates the folder of its outputs before computing anything.
final class OutputFolderTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testSegmentAndScoreWriteIntoFoldersThatDoNotExistYet() throws {
        try CLIRunner.requireCheckpoint()
        try TestPictures.writeGradient(directory.appendingPathComponent("image.png"), width: 64, height: 64)
        let segment = try CLIRunner.run([
            "segment", "--image", path("image.png"), "--box", "10,10,40,40",
            "--output", path("missing/dir/mask.png"), "--overlay", path("other/overlay.png"),
            "--checkpoint", CLIRunner.checkpoint.path,
        ])
        XCTAssertEqual(segment.status, 0, segment.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("missing/dir/mask.png")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("other/overlay.png")))

        try TestPictures.writeMask(directory.appendingPathComponent("s/m0.png")) { x, _ in x < 5 }
        try TestPictures.writeMask(directory.appendingPathComponent("r/m0.png")) { x, _ in x < 6 }
        let score = try CLIRunner.run([
            "score", "--samples", path("s"), "--raters", path("r"), "--json", path("reports/new/s.json"),
        ])
        XCTAssertEqual(score.status, 0, score.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("reports/new/s.json")))
    }

    func testAnOutputFolderThatIsAFileIsRefusedBeforeComputing() throws {
        try Data("x".utf8).write(to: directory.appendingPathComponent("file"))
        let outcome = try CLIRunner.run(["data", "split", "--dataset", "synthetic:10", "--output", path("file/m.json")])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.output.contains("is a file, not a folder"), outcome.output)
    }
}
