import Foundation
import MedImageIO
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

    /// Runs `p2sam sample` with `arguments` on a 96×80 image of one bright disk (written once), its samples in
    /// `name` and its JSON report in `name.json`; returns the output and the report's string settings.
    func sampleWithReport(_ arguments: [String], _ name: String) throws -> (output: String, settings: [String: String])
    {
        let image = path("image.png")
        if !FileManager.default.fileExists(atPath: image) {
            let pixels = (0..<(96 * 80)).map { i -> Float in
                hypot(Float(i % 96) - 48, Float(i / 96) - 40) < 18 ? 200 : 40
            }
            try PNG.write(try MedicalImage(width: 96, height: 80, channels: 1, pixels: pixels), to: image)
        }
        let run = try CLIRunner.run(
            ["sample", "--image", image, "--output", path(name), "--json", path(name + ".json")] + arguments)
        XCTAssertEqual(run.status, 0, run.output)
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: path(name + ".json"))))
        let settings = ((report as? [String: Any])?["settings"] as? [String: Any] ?? [:]).compactMapValues {
            $0 as? String
        }
        return (run.output, settings)
    }

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

    /// `--box-jitter F` stores metadata `box_jitter` (0 removes it), keeps τ and the tensors, and `p2sam sample --box`
    /// then jitters per sample by default (saying so), unless `--box-jitter 0`.
    func testWritesTheBoxJitterAndSampleUsesIt() throws {
        let model = CLIRunner.bundledDefaultModel.path
        let jittered = path("j.safetensors")
        let set = try CLIRunner.run([
            "set-temperature", "--model", model, "--box-jitter", "0.1", "--output", jittered,
        ])
        XCTAssertEqual(set.status, 0, set.output)
        XCTAssertTrue(set.output.contains("box jitter 0.1 (was 0.0)"), set.output)
        let original = try Safetensors.read(contentsOf: URL(fileURLWithPath: model))
        let copy = try Safetensors.read(contentsOf: URL(fileURLWithPath: jittered))
        XCTAssertEqual(copy.metadata["box_jitter"], "0.1")
        XCTAssertEqual(copy.metadata["latent_temperature"], original.metadata["latent_temperature"])
        XCTAssertEqual(copy.tensors, original.tensors)
        XCTAssertTrue(copy.metadata["notes"]?.contains("box jitter 0.1 (p2sam set-temperature; was 0.0)") == true)

        func sample(_ extra: [String], _ name: String) throws -> (output: String, settings: [String: String]) {
            try sampleWithReport(["--box", "28,20,70,62", "--count", "3", "--model", jittered] + extra, name)
        }
        let byModel = try sample([], "by-model")
        XCTAssertTrue(
            byModel.output.contains("per-sample box jitter 0.1 of the box's sides (the model's default"), byModel.output
        )
        XCTAssertEqual(byModel.settings["box_jitter"], "0.1")
        let off = try sample(["--box-jitter", "0"], "off")
        XCTAssertFalse(off.output.contains("per-sample box jitter"), off.output)
        XCTAssertNil(off.settings["box_jitter"])
        let masksByModel = try (0..<3).map {
            try Data(contentsOf: URL(fileURLWithPath: path("by-model/sample_00\($0).png")))
        }
        let masksOff = try (0..<3).map { try Data(contentsOf: URL(fileURLWithPath: path("off/sample_00\($0).png"))) }
        XCTAssertNotEqual(masksByModel, masksOff, "the model's jitter moved the samples' boxes")

        let removed = try CLIRunner.run([
            "set-temperature", "--model", jittered, "--box-jitter", "0", "--output", path("none.safetensors"),
        ])
        XCTAssertEqual(removed.status, 0, removed.output)
        XCTAssertNil(
            try Safetensors.read(contentsOf: URL(fileURLWithPath: path("none.safetensors"))).metadata["box_jitter"])
    }

    /// `--proposal-largest-component off` removes metadata `box_proposal_largest_component` and `on` stores it, with
    /// the tensors unchanged; `p2sam sample` then keeps each sample's largest region when no box is given (saying so,
    /// as the model's default), not with a box, and `--largest-component` overrides it (recorded in the JSON
    /// settings).
    func testStoresTheProposalLargestComponentAndSampleUsesItWithoutABox() throws {
        // The shipped LIDC model stores the key (seventeenth session): off first, then on again.
        let lidc = CLIRunner.repositoryRoot.appendingPathComponent("Models/p2sam/lidc-1.safetensors").path
        let plain = path("plain.safetensors")
        let removed = try CLIRunner.run([
            "set-temperature", "--model", lidc, "--proposal-largest-component", "off", "--output", plain,
        ])
        XCTAssertEqual(removed.status, 0, removed.output)
        XCTAssertTrue(removed.output.contains("proposal largest component off (was on)"), removed.output)
        XCTAssertNil(
            try Safetensors.read(contentsOf: URL(fileURLWithPath: plain)).metadata["box_proposal_largest_component"])

        let cleaned = path("lc.safetensors")
        let set = try CLIRunner.run([
            "set-temperature", "--model", plain, "--proposal-largest-component", "on", "--output", cleaned,
        ])
        XCTAssertEqual(set.status, 0, set.output)
        XCTAssertTrue(set.output.contains("proposal largest component on (was off)"), set.output)
        let original = try Safetensors.read(contentsOf: URL(fileURLWithPath: lidc))
        let copy = try Safetensors.read(contentsOf: URL(fileURLWithPath: cleaned))
        XCTAssertEqual(copy.metadata["box_proposal_largest_component"], "true")
        XCTAssertEqual(copy.tensors, original.tensors)

        func sample(_ extra: [String], _ name: String) throws -> (output: String, settings: [String: String]) {
            try sampleWithReport(["--count", "2", "--model", cleaned] + extra, name)
        }
        let byModel = try sample([], "by-model")
        XCTAssertTrue(
            byModel.output.contains("each sample keeps its largest connected region (the model's default"),
            byModel.output)
        XCTAssertNil(byModel.settings["largest_component"])
        let boxed = try sample(["--box", "28,20,70,62"], "boxed")
        XCTAssertFalse(boxed.output.contains("largest connected region"), boxed.output)
        let off = try sample(["--largest-component", "off"], "off")
        XCTAssertFalse(off.output.contains("largest connected region"), off.output)
        XCTAssertEqual(off.settings["largest_component"], "off")
        let on = try sample(["--box", "28,20,70,62", "--largest-component", "on"], "on")
        XCTAssertTrue(on.output.contains("each sample keeps its largest connected region\n"), on.output)
        XCTAssertEqual(on.settings["largest_component"], "on")
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
            (["--model", model, "--box-jitter", "0.5"], "--box-jitter"),
            (["--model", model, "--box-jitter", "-0.1"], "--box-jitter"),
            (["--model", model, "--box-jitter", "nan"], "--box-jitter"),
            (["--model", model], "nothing to change"),
            (["--model", model, "--proposal-largest-component", "on"], "has no box proposal"),
            (["--model", model, "--proposal-largest-component", "maybe"], "--proposal-largest-component"),
        ]
        for (arguments, expected) in cases {
            let outcome = try CLIRunner.run(["set-temperature"] + arguments + ["--output", path("out.safetensors")])
            XCTAssertNotEqual(outcome.status, 0, "\(arguments)")
            XCTAssertTrue(outcome.output.contains(expected), "\(arguments): \(outcome.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.safetensors")), "\(arguments)")
        }
    }
}
