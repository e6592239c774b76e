import Foundation
import MedImageIO
import XCTest

/// Issue 16 through the command line: crashes, half-written outputs, unbounded work and late checks.
final class HostileInputCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try CLIRunner.temporaryDirectory()
        var pixels = [Float](repeating: 30, count: 64 * 48)
        for y in 10..<30 { for x in 20..<44 { pixels[y * 64 + x] = 200 } }
        try PNG.write(try MedicalImage(width: 64, height: 48, channels: 1, pixels: pixels), to: path("small.png"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A checkpoint path that does not exist: any command that reaches the model load fails on it,
    /// so a message about something else proves the check ran first.
    var missingCheckpoint: String { path("no-such-checkpoint.pth") }

    /// Runs `p2sam arguments…` through `/bin/sh` with a file-size limit of `kibibytes` (`ulimit -f`).
    func runLimitingFileSize(_ kibibytes: Int, _ arguments: [String]) throws -> CLIRunner.Outcome {
        try CLIRunner.requireCheckpoint()
        let quoted = ([CLIRunner.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f \(kibibytes / 1); exec \(quoted)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIRunner.Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Defect 3: 2049x1, 1x2049 and 8192x2 PNGs trapped in AreaResize (signal 4).
    func testExtremeAspectRatioImagesAreRefusedWithTheLimit() throws {
        try CLIRunner.requireCheckpoint()
        for (width, height) in [(2049, 1), (1, 2049), (8192, 2)] {
            let name = "strip_\(width)x\(height).png"
            try PNG.write(
                try MedicalImage(
                    width: width, height: height, channels: 1,
                    pixels: (0..<width * height).map { Float($0 % 251) }), to: path(name))
            let outcome = try CLIRunner.run(["embed", "--image", path(name), "--output", path("e.npy")])
            XCTAssertEqual(outcome.status, 1, outcome.output)
            XCTAssertTrue(outcome.output.contains(name), outcome.output)
            XCTAssertTrue(outcome.output.contains("at most 512 times the short side"), outcome.output)
        }
    }

    /// Defect 4: on a full disk `embed` left a 1 MiB `.npy` where 4 MiB belong. Here the file-size
    /// limit (2 MiB) stands in for the full disk: the error names the file and nothing is left behind.
    func testEmbeddingCutShortLeavesNoFile() throws {
        let outcome = try runLimitingFileSize(
            2048, ["embed", "--image", path("small.png"), "--output", path("cut.npy")])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("cut.npy"), outcome.output)
        XCTAssertTrue(outcome.output.contains("File too large"), outcome.output)
        XCTAssertFalse(outcome.output.contains("NSCocoaErrorDomain"), outcome.output)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "small.png" }
        XCTAssertEqual(left, [], "files left behind: \(left)")
    }

    /// Defect 4: `segment --logits` (1 MiB of logits) cut short leaves neither the logits nor a temporary file.
    func testLogitsCutShortLeaveNoFile() throws {
        let outcome = try runLimitingFileSize(
            512,
            [
                "segment", "--image", path("small.png"), "--box", "15,5,50,35",
                "--output", path("m.png"), "--logits", path("logits.npy"),
            ])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("logits.npy"), outcome.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("logits.npy")))
        let temporary = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !["small.png", "m.png"].contains($0) }
        XCTAssertEqual(temporary, [])
    }

    /// Defect 4: `data export` cut short left a folder that `data info` read without a word.
    func testExportCutShortIsRefusedByTheFolderReader() throws {
        let out = path("export")
        // Synthetic images are about 10 KiB: the first image.png already hits the 8 KiB limit.
        let cut = try runLimitingFileSize(8, ["data", "export", "--dataset", "synthetic:3", "--output", out])
        XCTAssertNotEqual(cut.status, 0, cut.output)
        let info = try CLIRunner.run(["data", "info", "--dataset", "folder:\(out)"])
        XCTAssertEqual(info.status, 1, info.output)
        XCTAssertTrue(info.output.contains("did not finish"), info.output)
        // A complete export reads.
        let whole = try CLIRunner.run(["data", "export", "--dataset", "synthetic:3", "--output", path("whole")])
        XCTAssertEqual(whole.status, 0, whole.output)
        XCTAssertEqual(try CLIRunner.run(["data", "info", "--dataset", "folder:\(path("whole"))"]).status, 0)
    }

    /// Defect 5: `synthetic:100000000` ran for ever; `--max-cases` raises the limit.
    func testCaseLimitIsCheckedFirst() throws {
        let outcome = try CLIRunner.run(["data", "info", "--dataset", "synthetic:100000000"])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("exceed the limit of 50000"), outcome.output)
        let raised = try CLIRunner.run(["data", "info", "--dataset", "synthetic:2", "--max-cases", "2"])
        XCTAssertEqual(raised.status, 0, raised.output)
    }

    /// Defect 5: `medsamu --points 100000` grew to 16,384 prompt tokens and 2.2 GB.
    func testPointLimitsAreCheckedBeforeTheModelLoads() throws {
        let medsamu = try CLIRunner.run([
            "medsamu", "--image", path("small.png"), "--box", "15,5,50,35", "--points", "100000",
            "--output", path("u"), "--checkpoint", missingCheckpoint,
        ])
        XCTAssertNotEqual(medsamu.status, 0)
        XCTAssertTrue(medsamu.output.contains("--points must be 0…256"), medsamu.output)
        let many = (0..<300).flatMap { ["--point", "\($0 % 60),\($0 % 40),1"] }
        let segment = try CLIRunner.run(
            [
                "segment", "--image", path("small.png"), "--output", path("m.png"),
                "--checkpoint", missingCheckpoint,
            ] + many)
        XCTAssertEqual(segment.status, 1, segment.output)
        XCTAssertTrue(segment.output.contains("300 points exceed the limit of 256"), segment.output)
    }

    /// Defect 6: boxes and output paths are checked before the model loads.
    func testPromptsAndOutputPathsAreCheckedBeforeTheModelLoads() throws {
        let box = try CLIRunner.run([
            "segment", "--image", path("small.png"), "--box", "100,100,120,120",
            "--output", path("m.png"), "--checkpoint", missingCheckpoint,
        ])
        XCTAssertEqual(box.status, 1, box.output)
        XCTAssertTrue(box.output.contains("box"), box.output)
        XCTAssertFalse(box.output.contains("no-such-checkpoint"), box.output)

        // A missing folder is created (issue 10); one that cannot be (below a file) is refused up front.
        let output = try CLIRunner.run([
            "segment", "--image", path("small.png"), "--box", "15,5,50,35",
            "--output", path("small.png") + "/sub/m.png", "--checkpoint", missingCheckpoint,
        ])
        XCTAssertNotEqual(output.status, 0, output.output)
        XCTAssertTrue(output.output.contains("small.png/sub: Not a directory"), output.output)
        XCTAssertFalse(output.output.contains("NSCocoaErrorDomain"), output.output)
        XCTAssertFalse(output.output.contains("no-such-checkpoint"), output.output)

        let train = try CLIRunner.run([
            "train", "--dataset", "synthetic:4", "--stage", "1", "--epochs", "1",
            "--output", path("small.png") + "/model.safetensors", "--checkpoint", missingCheckpoint,
        ])
        XCTAssertNotEqual(train.status, 0, train.output)
        XCTAssertFalse(train.output.contains("no-such-checkpoint"), train.output)
        XCTAssertTrue(train.output.contains("--output"), train.output)
    }

    /// Defect 6: `--seed -1` and `--box -10,…` were taken for option names.
    func testNegativeValuesAreValuesNotOptionNames() throws {
        let box = try CLIRunner.run([
            "medsamu", "--image", path("small.png"), "--box", "-5,5,50,35",
            "--output", path("u"), "--checkpoint", missingCheckpoint,
        ])
        XCTAssertTrue(box.output.contains("clipped to [0.0, 5.0, 50.0, 35.0]"), box.output)
        let seed = try CLIRunner.run(["sample", "--image", path("small.png"), "--seed", "-1", "--output", path("s")])
        XCTAssertNotEqual(seed.status, 0)
        XCTAssertTrue(seed.output.contains("'-1'") && seed.output.contains("--seed"), seed.output)
        XCTAssertFalse(seed.output.contains("Missing value"), seed.output)
    }

    /// Defect 6: file errors are in words with the path, not raw NSCocoaErrorDomain text.
    func testFileErrorsAreInWords() throws {
        // A missing folder would be created (issue 10): /proc accepts no new files, even from root.
        let outcome = try CLIRunner.run([
            "data", "split", "--dataset", "synthetic:5", "--output", "/proc/p2sam-split.json",
        ])
        XCTAssertEqual(outcome.status, 1, outcome.output)
        XCTAssertTrue(outcome.output.contains("/proc/p2sam-split.json: cannot write"), outcome.output)
        XCTAssertTrue(outcome.output.contains("No such file or directory"), outcome.output)
        XCTAssertFalse(outcome.output.contains("NSCocoaErrorDomain"), outcome.output)
    }
}
