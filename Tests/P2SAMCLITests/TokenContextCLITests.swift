import Foundation
import XCTest

/// `p2sam train --token-context isolated` as a user runs it: stage 1 stores metadata `mask_token_context`, stage 2
/// takes it from `--init` (and evaluates), a run without it stores none, and an unknown value or one contradicting
/// `--init` is refused by name and writes nothing. Stage 2 may switch a reader stage-1 model to reader-output injection
/// (stage 1 has no latent), nothing else.
final class TokenContextCLITests: CheckpointCommandTestCase {
    func testTheContextIsStoredAndContradictionsAreRefused() throws {
        let one = try trainOnSynthetic([
            "--stage", "1", "--token-context", "isolated", "--output", path("s1.safetensors"),
        ])
        XCTAssertEqual(one.status, 0, one.output)
        XCTAssertEqual(
            try TrainEvaluateCommandTests.safetensorsMetadata(path("s1.safetensors"))["mask_token_context"], "isolated")
        let two = try trainOnSynthetic([
            "--stage", "2", "--init", path("s1.safetensors"), "--samples", "2", "--pgn-widths", "16,32,64,128",
            "--output", path("s2.safetensors"),
        ])
        XCTAssertEqual(two.status, 0, two.output)
        XCTAssertEqual(
            try TrainEvaluateCommandTests.safetensorsMetadata(path("s2.safetensors"))["mask_token_context"], "isolated")
        let plain = try trainOnSynthetic(["--stage", "1", "--output", path("plain.safetensors")])
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertNil(try TrainEvaluateCommandTests.safetensorsMetadata(path("plain.safetensors"))["mask_token_context"])

        let reader = try trainOnSynthetic([
            "--stage", "1", "--token-context", "isolated", "--injection", "reader", "--output", path("r1.safetensors"),
        ])
        XCTAssertEqual(reader.status, 0, reader.output)
        XCTAssertEqual(try TrainEvaluateCommandTests.safetensorsMetadata(path("r1.safetensors"))["injection"], "reader")
        // A stage-1 model has no latent: stage 2 may move a reader model's z to the readers' outputs.
        let readerOutput = try trainOnSynthetic([
            "--stage", "2", "--init", path("r1.safetensors"), "--injection", "reader-output", "--samples", "2",
            "--pgn-widths", "16,32,64,128", "--output", path("ro2.safetensors"),
        ])
        XCTAssertEqual(readerOutput.status, 0, readerOutput.output)
        XCTAssertEqual(
            try TrainEvaluateCommandTests.safetensorsMetadata(path("ro2.safetensors"))["injection"], "reader-output")

        let refusals: [([String], String)] = [
            (["--stage", "1", "--injection", "reader"], "needs --token-context isolated"),
            (["--stage", "1", "--injection", "reader-output"], "needs --token-context isolated"),
            (["--stage", "1", "--injection", "readers"], "dense, sparse, reader or reader-output"),
            (
                ["--stage", "2", "--init", path("s1.safetensors"), "--samples", "2", "--injection", "reader-output"],
                "--injection reader-output contradicts"
            ),
            (
                ["--stage", "2", "--init", path("ro2.safetensors"), "--samples", "2", "--injection", "reader"],
                "--injection reader contradicts"
            ),
            (["--stage", "1", "--token-context", "separate"], "--token-context"),
            (
                ["--stage", "2", "--init", path("s1.safetensors"), "--samples", "2", "--token-context", "shared"],
                "--token-context shared contradicts"
            ),
            (
                ["--stage", "1", "--init", path("plain.safetensors"), "--token-context", "isolated"],
                "--token-context isolated contradicts"
            ),
        ]
        try assertTrainingRefused(refusals)
    }
}
