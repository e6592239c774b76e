import Foundation
import XCTest

/// `p2sam train` records the OpenBLAS kernel set that trained a model (metadata `blas`), and a training pinned
/// to one kernel set replays byte for byte.
final class TrainingProvenanceCLITests: CheckpointCommandTestCase {
    /// OpenBLAS's AVX2 kernels, present on every x86-64 machine this project runs on (its own GEMM needs AVX2 too).
    let pinned = ["OPENBLAS_CORETYPE": "Haswell", "P2SAM_KEEP_BLAS_CORETYPE": "1"]

    func testTrainingRecordsItsKernelSetAndReplaysWhenPinned() throws {
        var files: [Data] = []
        for run in ["first", "second"] {
            let outcome = try CLIRunner.run(
                [
                    "train", "--stage", "1", "--dataset", "synthetic:6:1", "--epochs", "1", "--seed", "3",
                    "--cache-dir", path("cache-\(run)"), "--checkpoint", CLIRunner.checkpoint.path,
                    "--output", path("\(run).safetensors"),
                ], environment: pinned)
            XCTAssertEqual(outcome.status, 0, outcome.output)
            let metadata = try TrainEvaluateCommandTests.safetensorsMetadata(path("\(run).safetensors"))
            let blas = try XCTUnwrap(metadata["blas"], "no blas key in \(metadata)")
            XCTAssertTrue(blas.hasPrefix("OpenBLAS "), blas)
            XCTAssertTrue(blas.contains("Haswell"), blas)
            XCTAssertTrue(outcome.output.contains("BLAS: \(blas)"), outcome.output)
            files.append(try Data(contentsOf: URL(fileURLWithPath: path("\(run).safetensors"))))
        }
        XCTAssertTrue(files[0] == files[1], "a training pinned to one kernel set, seed and data did not replay")
    }

    /// Unpinned, the recorded set is the one `p2sam` runs: on an AVX-512 CPU never OpenBLAS's AVX2 `Haswell`
    /// (`p2sam` re-executes itself with `SKYLAKEX` when OpenBLAS picks it there).
    func testUnpinnedTrainingNamesTheKernelSetItRan() throws {
        let outcome = try trainOnSynthetic(["--stage", "1", "--output", path("m.safetensors")])
        XCTAssertEqual(outcome.status, 0, outcome.output)
        let blas = try TrainEvaluateCommandTests.safetensorsMetadata(path("m.safetensors"))["blas"] ?? ""
        XCTAssertTrue(blas.hasPrefix("OpenBLAS "), "blas metadata: \(blas)")
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? [])
        if Set(["avx512f", "avx512dq", "avx512bw", "avx512vl"]).isSubset(of: flags) {
            XCTAssertFalse(blas.contains("Haswell"), "AVX-512 CPU, yet trained with \(blas)")
        }
    }
}
