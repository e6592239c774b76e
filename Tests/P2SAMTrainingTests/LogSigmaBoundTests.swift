import Foundation
import P2SAM
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import XCTest

/// The PGN's bound on log σ (`LogDeviationBound`, metadata `log_sigma_bound`): the smooth bound passes a gradient
/// back from past the ceiling (the hard clamp passes none, which is why a stage-2 σ that blew up never came back),
/// is near the identity inside the range, runs the same tape-free and recorded, and files without the key keep
/// the hard clamp.
final class LogSigmaBoundTests: XCTestCase {
    /// A light PGN (widths 16…128) whose log σ head bias is `logSigma`, and its parameters.
    static func makePGN(logSigma: Float, bound: LogDeviationBound) throws -> (PromptGenerationNetwork, ParameterSet) {
        var configuration = P2SAMConfiguration(pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.logDeviationBound = bound
        let set = ParameterSet()
        ModelInitialisation.addStageTwoModules(
            to: set, configuration: configuration, seed: 3, initialLogSigma: logSigma)
        var weights: [String: NamedWeight] = [:]
        for name in set.names {
            weights[name] = NamedWeight(shape: set[name].value.shape, values: set[name].value.storage)
        }
        var store = WeightStore(weights)
        let pgn = try PromptGenerationNetwork(
            &store, widths: configuration.pgnWidths, latentDim: configuration.latentDim, logDeviationBound: bound)
        return (pgn, set)
    }

    static let input = Tensor(shape: [128, 128, 1]) { out in for i in 0..<out.count { out[i] = Float(i % 97) / 97 } }

    /// σ (recorded) and the gradient of Σσ with respect to the head's log σ biases.
    static func deviationAndBiasGradient(logSigma: Float, bound: LogDeviationBound) throws -> ([Float], [Float]) {
        let (pgn, set) = try makePGN(logSigma: logSigma, bound: bound)
        let graph = Graph()
        return try withExtendedLifetime(graph) {
            let w = Recording(graph: graph, parameters: set)
            let (_, deviation) = pgn.forward(w, w.constant(input))
            graph.backward(from: deviation.sum())
            let gradient = try XCTUnwrap(set[pgn.head.biasKey!].gradient, "the head bias got no gradient")
            return (deviation.value.storage, Array(gradient.storage[256..<512]))
        }
    }

    /// Past the ceiling (log σ 8 > 5) the smooth bound still sends Σσ's gradient into the head (so a loss that
    /// wants σ smaller can pull it back); the hard clamp sends exactly none.
    func testSmoothBoundPassesTheGradientBackFromPastTheCeiling() throws {
        let (smoothSigma, smoothGradient) = try Self.deviationAndBiasGradient(logSigma: 8, bound: .smooth)
        XCTAssertTrue(smoothGradient.allSatisfy { $0 > 1e-3 }, "smooth bound: \(smoothGradient.prefix(4))")
        XCTAssertTrue(
            smoothSigma.allSatisfy { $0 < Float(Foundation.exp(5.0)) && $0 > 100 }, "\(smoothSigma.prefix(4))")
        let (clampSigma, clampGradient) = try Self.deviationAndBiasGradient(logSigma: 8, bound: .clamp)
        XCTAssertEqual(clampGradient, [Float](repeating: 0, count: 256), "the hard clamp passes no gradient past 5")
        XCTAssertEqual(clampSigma[0], Float(Foundation.exp(5.0)), accuracy: 1e-3)
    }

    /// Inside the range (the initial log σ = log 0.1) the bounds agree to 0.1 % and both pass the gradient
    /// dσ/d(log σ) ≈ σ.
    func testBoundsAgreeInsideTheRange() throws {
        let (smoothSigma, smoothGradient) = try Self.deviationAndBiasGradient(logSigma: log(0.1), bound: .smooth)
        let (clampSigma, clampGradient) = try Self.deviationAndBiasGradient(logSigma: log(0.1), bound: .clamp)
        for d in [0, 100, 255] {
            XCTAssertEqual(smoothSigma[d], clampSigma[d], accuracy: 1e-3 * clampSigma[d])
            XCTAssertEqual(smoothGradient[d], clampGradient[d], accuracy: 2e-3 * clampGradient[d])
        }
    }

    /// The tape-free forward (the sampler's) gives the recorded σ.
    func testTapeFreeAndRecordedAgree() throws {
        for logSigma: Float in [-12, -2.3, 4.5, 9] {
            let (pgn, _) = try Self.makePGN(logSigma: logSigma, bound: .smooth)
            let (recorded, _) = try Self.deviationAndBiasGradient(logSigma: logSigma, bound: .smooth)
            let tapeFree = pgn(Self.input).standardDeviation
            for d in [0, 255] { XCTAssertEqual(tapeFree[d], recorded[d], accuracy: 1e-6 * recorded[d]) }
        }
    }

    /// `SmoothClamp`: values within [−10, 5], its derivative matches central differences everywhere, including
    /// far past both bounds, where it stays positive.
    func testSmoothClampDerivativeMatchesFiniteDifferences() {
        for x: Float in [-30, -12, -10, -7, -2.3, 0, 3, 5, 6, 9, 20] {
            let y = SmoothClamp.value(x, lower: -10, upper: 5)
            XCTAssertTrue(y >= -10 && y <= 5, "y(\(x)) = \(y)")
            let h: Double = 1e-3
            func v(_ t: Double) -> Double {
                // In Double, to keep the difference quotient accurate.
                let u = 5 - Foundation.log1p(Foundation.exp(5 - t))
                return -10 + Foundation.log1p(Foundation.exp(u + 10))
            }
            let numeric = (v(Double(x) + h) - v(Double(x) - h)) / (2 * h)
            let analytic = SmoothClamp.derivative(x, lower: -10, upper: 5)
            XCTAssertGreaterThan(analytic, 0, "derivative at \(x)")
            XCTAssertEqual(Double(analytic), numeric, accuracy: 1e-5 + 1e-3 * numeric, "x = \(x)")
            XCTAssertEqual(Double(y), v(Double(x)), accuracy: 1e-5)
        }
        XCTAssertEqual(SmoothClamp.value(-2.3, lower: -10, upper: 5), -2.3, accuracy: 2e-3)
    }

    /// Files without `log_sigma_bound` keep the hard clamp; `smooth` is read and written back; other values are
    /// refused by name.
    func testMetadataReadsWritesAndRefusesTheBound() throws {
        let base = ["format": "p2sam-v1", "injection": "sparse", "prompt": "full-box"]
        let old = try P2SAMConfiguration(metadata: base)
        XCTAssertEqual(old.logDeviationBound, .clamp)
        XCTAssertNil(old.metadata["log_sigma_bound"])
        var smooth = base
        smooth["log_sigma_bound"] = "smooth"
        let configuration = try P2SAMConfiguration(metadata: smooth)
        XCTAssertEqual(configuration.logDeviationBound, .smooth)
        XCTAssertEqual(configuration.metadata["log_sigma_bound"], "smooth")
        XCTAssertEqual(try P2SAMConfiguration(metadata: configuration.metadata), configuration)
        let decoded = try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(configuration))
        XCTAssertEqual(decoded, configuration)
        smooth["log_sigma_bound"] = "tanh"
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: smooth)) { error in
            XCTAssertTrue("\(error)".contains("log_sigma_bound"), "\(error)")
        }
    }
}
