import Foundation
import XCTest

/// `p2sam train --log-sigma-ceiling C` as a user runs it: stage 2 from a stage-1 model stores the ceiling
/// (metadata `log_sigma_ceiling`), a run without it stores none, and bad values, stage 1 or a contradicting
/// stage-2 `--init` are refused by name and write nothing.
final class LogSigmaCeilingCLITests: CheckpointCommandTestCase {
    func testTheCeilingIsStoredAndBadValuesAreRefused() throws {
        let one = try trainOnSynthetic(["--stage", "1", "--output", path("s1.safetensors")])
        XCTAssertEqual(one.status, 0, one.output)
        let stageTwo = [
            "--stage", "2", "--init", path("s1.safetensors"), "--samples", "2", "--pgn-widths", "16,32,64,128",
        ]
        let lowered = try trainOnSynthetic(stageTwo + ["--log-sigma-ceiling", "2", "--output", path("c2.safetensors")])
        XCTAssertEqual(lowered.status, 0, lowered.output)
        XCTAssertEqual(
            try TrainEvaluateCommandTests.safetensorsMetadata(path("c2.safetensors"))["log_sigma_ceiling"], "2.0")
        let plain = try trainOnSynthetic(stageTwo + ["--output", path("plain.safetensors")])
        XCTAssertEqual(plain.status, 0, plain.output)
        XCTAssertNil(try TrainEvaluateCommandTests.safetensorsMetadata(path("plain.safetensors"))["log_sigma_ceiling"])

        let refusals: [([String], String)] = [
            (stageTwo + ["--log-sigma-ceiling", "6"], "--log-sigma-ceiling: the log σ ceiling must be"),
            (stageTwo + ["--log-sigma-ceiling", "nan"], "--log-sigma-ceiling"),
            (stageTwo + ["--log-sigma-ceiling=-10"], "--log-sigma-ceiling: the log σ ceiling must be"),
            (["--stage", "1", "--log-sigma-ceiling", "2"], "--log-sigma-ceiling applies to stage 2"),
            (
                ["--stage", "2", "--init", path("c2.safetensors"), "--samples", "2", "--log-sigma-ceiling", "3"],
                "contradicts"
            ),
        ]
        try assertTrainingRefused(refusals)
    }
}
