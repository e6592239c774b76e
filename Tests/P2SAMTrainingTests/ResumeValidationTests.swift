import Foundation
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMTensor
import TorchCheckpoint
import XCTest

/// Issue 16, defect 6: a resume file holding a NaN parameter was accepted and carried forward.
final class ResumeValidationTests: XCTestCase {
    func testResumeFileWithANaNParameterIsRefusedNamingTheTensor() throws {
        let cases = try SyntheticInputs.trainingCases(count: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-nan-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = P2SAMConfiguration(injection: .sparse)
        configuration.pgnWidths = P2SAMConfiguration.lightPGNWidths
        let output = directory.appendingPathComponent("m.safetensors")
        func run(epochs: Int, resume: Bool) throws -> [EpochReport] {
            let options = TrainingOptions(
                stage: 2, epochs: epochs, learningRate: 1e-3, batchSize: 1, validationSamples: 2)
            let trainer = try P2SAMTrainer(
                network: try SyntheticInputs.network(configuration, stage: 2), options: options)
            let meta = P2SAMModelFile.metadata(
                configuration: configuration, stage: 2, baseCheckpointSHA256: "x",
                dataset: "synthetic", split: "test", epochs: epochs, seed: 1, notes: "")
            return try TrainingRun(
                trainer: trainer, training: Array(cases.prefix(2)), validation: [cases[2]],
                output: output, metadata: meta
            ).run(resume: resume)
        }
        _ = try run(epochs: 1, resume: false)

        // Poison one parameter of the sidecar, keeping everything else.
        let sidecar = TrainingRun.sidecarURL(for: output)
        var file = try Safetensors.read(contentsOf: sidecar)
        let name = try XCTUnwrap(file.tensors.keys.sorted().first { $0.hasPrefix("param/pgn.") })
        var tensor = try XCTUnwrap(file.tensors[name])
        tensor.storage[0] = .nan
        file.tensors[name] = tensor
        let entries = file.tensors.keys.sorted().map { (name: $0, tensor: file.tensors[$0]!) }
        try Data(try Safetensors.encode(entries, metadata: file.metadata)).write(to: sidecar)

        XCTAssertThrowsError(try run(epochs: 2, resume: true)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(name), message)
            XCTAssertTrue(message.contains(sidecar.lastPathComponent), message)
            XCTAssertTrue(message.contains("NaN"), message)
        }
    }
}
