import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import XCTest

/// The PGN's log σ ceiling (`P2SAMConfiguration.logDeviationCeiling`, metadata `log_sigma_ceiling`): a lower
/// ceiling bounds σ in training (the recorded forward, with the hard clamp's zero gradient past it) and in
/// sampling (the model file's PGN), the value survives the model file, files without the key keep 5, and bad
/// values are refused by name.
final class LogSigmaCeilingTests: XCTestCase {
    static let input = LogSigmaBoundTests.input

    /// A stage-2 network (light PGN) whose log σ head bias is `logSigma`, with the given ceiling.
    static func network(logSigma: Float, ceiling: Float?, bound: LogDeviationBound = .clamp) throws -> P2SAMNetwork {
        var configuration = P2SAMConfiguration(pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.logDeviationBound = bound
        if let ceiling { configuration.logDeviationCeiling = ceiling }
        let set = try ModelInitialisation.stageOne(
            from: try TestCheckpoint.weights(), configuration: configuration, seed: 3)
        ModelInitialisation.addStageTwoModules(
            to: set, configuration: configuration, seed: 3, initialLogSigma: logSigma)
        return P2SAMNetwork(configuration: configuration, parameters: set)
    }

    /// Training path: with ceiling 1.5 a log σ of 4 is cut to 1.5 (σ = e^1.5), the hard clamp passes no gradient
    /// past it and the smooth bound stays below it; without a ceiling (5) the same network keeps σ = e^4.
    func testTheCeilingBoundsSigmaInTraining() throws {
        let lowered = try Self.network(logSigma: 4, ceiling: 1.5)
        let sigma = lowered.latentGaussian(pgnInput: Self.input).standardDeviation
        XCTAssertEqual(sigma.count, 256)
        for value in sigma { XCTAssertEqual(value, Float(Foundation.exp(1.5)), accuracy: 1e-4) }
        let unbounded = try Self.network(logSigma: 4, ceiling: nil)
        for value in unbounded.latentGaussian(pgnInput: Self.input).standardDeviation {
            XCTAssertEqual(value, Float(Foundation.exp(4.0)), accuracy: 1e-3)
        }
        // The recorded forward: no gradient reaches the log σ bias past the lowered ceiling (hard clamp).
        let pgn = try XCTUnwrap(lowered.layers.pgn)
        XCTAssertEqual(pgn.logDeviationRange, -10...1.5)
        let graph = Graph()
        try withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: lowered.parameters)
            let (_, deviation) = pgn.forward(w, w.constant(Self.input))
            graph.backward(from: deviation.sum())
            let gradient = try XCTUnwrap(lowered.parameters[pgn.head.biasKey!].gradient)
            XCTAssertEqual(Array(gradient.storage[256..<512]), [Float](repeating: 0, count: 256))
        }
        // The smooth bound approaches the lowered ceiling from below.
        let smooth = try Self.network(logSigma: 4, ceiling: 1.5, bound: .smooth)
        for value in smooth.latentGaussian(pgnInput: Self.input).standardDeviation {
            XCTAssertLessThan(value, Float(Foundation.exp(1.5)))
            XCTAssertGreaterThan(value, Float(Foundation.exp(1.4)))
        }
    }

    /// Sampling path: a stage-2 model file written with ceiling 1.5 stores `log_sigma_ceiling`, and the PGN that
    /// `P2SAMSampler` runs (the loaded model's) gives the training path's σ; the same weights written without a
    /// ceiling store no key and sample σ = e^4, as every file before the option.
    func testTheCeilingIsStoredAndAppliedWhenSampling() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "p2sam-ceiling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for ceiling: Float? in [1.5, nil] {
            let network = try Self.network(logSigma: 4, ceiling: ceiling)
            let file = directory.appendingPathComponent("model-\(ceiling.map { "\($0)" } ?? "none").safetensors")
            let metadata = P2SAMModelFile.metadata(
                configuration: network.configuration, stage: 2,
                baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256, dataset: "random", split: "none",
                epochs: 0, seed: 3, notes: "log σ ceiling")
            XCTAssertEqual(metadata["log_sigma_ceiling"], ceiling.map { String($0) })
            try P2SAMModelFile.write(network.parameters, stage: 2, metadata: metadata, to: file)
            let model = try P2SAMModel(modelFile: file, backbone: TestCheckpoint.url)
            XCTAssertEqual(model.configuration.logDeviationCeiling, ceiling ?? 5)
            let sampled = model.pgn(Self.input).standardDeviation
            let trained = network.latentGaussian(pgnInput: Self.input).standardDeviation
            let expected = Float(Foundation.exp(Double(ceiling ?? 4)))
            for d in [0, 128, 255] {
                XCTAssertEqual(sampled[d], trained[d], accuracy: 1e-4 * trained[d])
                XCTAssertEqual(sampled[d], expected, accuracy: 1e-3 * expected)
            }
        }
    }

    /// Metadata: files without `log_sigma_ceiling` keep 5 and write no key; a ceiling is read and written back
    /// (also through `Codable`); values that are not numbers, not finite, at or below the floor −10 or above 5 are
    /// refused by name.
    func testMetadataRoundTripAndRefusals() throws {
        let base = ["format": "p2sam-v1", "injection": "sparse", "prompt": "full-box"]
        let old = try P2SAMConfiguration(metadata: base)
        XCTAssertEqual(old.logDeviationCeiling, 5)
        XCTAssertNil(old.metadata["log_sigma_ceiling"])
        var lowered = base
        lowered["log_sigma_ceiling"] = "1.5"
        let configuration = try P2SAMConfiguration(metadata: lowered)
        XCTAssertEqual(configuration.logDeviationCeiling, 1.5)
        XCTAssertEqual(configuration.metadata["log_sigma_ceiling"], "1.5")
        XCTAssertEqual(try P2SAMConfiguration(metadata: configuration.metadata), configuration)
        let decoded = try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(configuration))
        XCTAssertEqual(decoded, configuration)
        let oldDecoded = try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(old))
        XCTAssertEqual(oldDecoded.logDeviationCeiling, 5)
        for bad in ["high", "nan", "inf", "-10", "-11", "5.5", ""] {
            lowered["log_sigma_ceiling"] = bad
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: lowered), bad) { error in
                XCTAssertTrue("\(error)".contains("log_sigma_ceiling"), "\(error)")
                XCTAssertTrue("\(error)".contains("'\(bad)'"), "\(error)")
            }
        }
        var invalid = configuration
        invalid.logDeviationCeiling = 7
        XCTAssertThrowsError(
            try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(invalid)))
        XCTAssertTrue(PromptGenerationNetwork.isAllowedLogDeviationCeiling(-9.5))
        XCTAssertTrue(PromptGenerationNetwork.isAllowedLogDeviationCeiling(5))
        XCTAssertFalse(PromptGenerationNetwork.isAllowedLogDeviationCeiling(-10))
        XCTAssertFalse(PromptGenerationNetwork.isAllowedLogDeviationCeiling(.infinity))
    }

    /// The training-time statistics count the values at the model's own ceiling.
    func testStatisticsUseTheModelsCeiling() throws {
        let statistics = try XCTUnwrap(LogDeviationStatistics([1.5, 1.495, 0, 5], ceiling: 1.5))
        XCTAssertEqual(statistics.ceilingFraction, 0.75, accuracy: 1e-12)
        let network = try Self.network(logSigma: 4, ceiling: 1.5)
        let sigma = network.latentGaussian(pgnInput: Self.input).standardDeviation.map { Foundation.log($0) }
        let fromNetwork = try XCTUnwrap(
            LogDeviationStatistics(sigma, ceiling: network.configuration.logDeviationCeiling))
        XCTAssertEqual(fromNetwork.ceilingFraction, 1)
        XCTAssertEqual(fromNetwork.maximum, 1.5, accuracy: 1e-4)
    }
}
