import Foundation
import SAMTensor
import TorchCheckpoint
import XCTest

/// `p2sam set-temperature` as a user runs it: a copy of a stage-2 model whose metadata `latent_temperature` is the
/// given τ (absolute, not multiplied) with the tensors unchanged; bad τ, a stage-1 model or a missing file are
/// refused by name and write nothing.
final class SetTemperatureCommandTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try CLIRunner.temporaryDirectory() }

    override func tearDownWithError() throws { if let directory { try? FileManager.default.removeItem(at: directory) } }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testWritesTheTemperatureAndKeepsTheTensors() throws {
        let model = CLIRunner.bundledDefaultModel.path
        let first = try CLIRunner.run([
            "set-temperature", "--model", model, "--latent-temperature", "6", "--output", path("t6.safetensors"),
        ])
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("latent temperature 6.0"), first.output)
        // Applied again to its own output: the value replaces the file's (6 · 2.5 would be 15).
        let second = try CLIRunner.run([
            "set-temperature", "--model", path("t6.safetensors"), "--latent-temperature", "2.5", "--output",
            path("t6.safetensors"),
        ])
        XCTAssertEqual(second.status, 0, second.output)
        let original = try Safetensors.read(contentsOf: URL(fileURLWithPath: model))
        let copy = try Safetensors.read(contentsOf: URL(fileURLWithPath: path("t6.safetensors")))
        XCTAssertEqual(copy.metadata["latent_temperature"], "2.5")
        XCTAssertNil(original.metadata["latent_temperature"])
        XCTAssertEqual(copy.tensors, original.tensors)
        for key in original.metadata.keys where key != "notes" {
            XCTAssertEqual(copy.metadata[key], original.metadata[key], key)
        }
        XCTAssertTrue(copy.metadata["notes"]?.contains("p2sam set-temperature; was 6.0") == true)
    }

    func testRefusesBadInputAndWritesNothing() throws {
        let stageOne = path("stage1.safetensors")
        let bytes = try Safetensors.encode(
            [(name: "mask_decoder.dummy", tensor: Tensor(shape: [2], storage: [1, 2]))],
            metadata: ["format": "p2sam-v1", "injection": "sparse", "prompt": "full-box", "stage": "1"])
        try Data(bytes).write(to: URL(fileURLWithPath: stageOne))
        let model = CLIRunner.bundledDefaultModel.path
        let cases: [([String], String)] = [
            (["--model", model, "--latent-temperature", "0"], "--latent-temperature"),
            (["--model", model, "--latent-temperature", "nan"], "--latent-temperature"),
            (["--model", model, "--latent-temperature", "-2"], "--latent-temperature"),
            (["--model", stageOne, "--latent-temperature", "2"], "stage-1 model"),
            (["--model", path("missing.safetensors"), "--latent-temperature", "2"], "no model file"),
        ]
        for (arguments, expected) in cases {
            let outcome = try CLIRunner.run(["set-temperature"] + arguments + ["--output", path("out.safetensors")])
            XCTAssertNotEqual(outcome.status, 0, "\(arguments)")
            XCTAssertTrue(outcome.output.contains(expected), "\(arguments): \(outcome.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.safetensors")), "\(arguments)")
        }
    }
}
