import Foundation
import LiteMedSAM
import P2SAM
import P2SAMTraining
import SAMTensor
import XCTest

/// Fitting the box proposal (`BoxProposalFit`): the Gaussian of the raters' corners around the raw box, stored
/// so a model file with the proposal reads back strictly.
final class BoxProposalFitTests: XCTestCase {
    /// Residuals (rater − raw) of x0: −2, 0, +2 (mean 0, RMS 1.63); of y0: 0, 3, 0 (mean 1, RMS √2); of x1: 4, 4, 4
    /// (mean 4, σ 0 → the minimum 1).
    func testFitIsTheMeanAndRootMeanSquareOfTheResiduals() {
        let raw: [Float] = [10, 20, 30, 40]
        let fit = BoxProposalFit(pairs: [
            (raw, [8, 20, 34, 41]), (raw, [10, 23, 34, 41]), (raw, [12, 20, 34, 44]),
        ])
        XCTAssertEqual(fit.offset[0], 0, accuracy: 1e-6)
        XCTAssertEqual(fit.offset[1], 1, accuracy: 1e-6)
        XCTAssertEqual(fit.offset[2], 4, accuracy: 1e-6)
        XCTAssertEqual(fit.offset[3], 2, accuracy: 1e-6)
        XCTAssertEqual(fit.standardDeviation[0], Float((8.0 / 3).squareRoot()), accuracy: 1e-5)
        XCTAssertEqual(fit.standardDeviation[1], Float(2.0.squareRoot()), accuracy: 1e-5)
        XCTAssertEqual(fit.standardDeviation[2], BoxProposalFit.minimumStandardDeviation)
        XCTAssertEqual(fit.pairCount, 3)
        let wide = fit.spread(by: 2)
        XCTAssertEqual(wide.offset, fit.offset)
        XCTAssertEqual(wide.standardDeviation, fit.standardDeviation.map { $0 * 2 })
        let none = BoxProposalFit(pairs: [])
        XCTAssertEqual(none.offset, [0, 0, 0, 0])
        XCTAssertEqual(none.pairCount, 0)
    }

    /// The fit on a stage-2 network runs its decoder (default prompt, z = μ), and the stored proposal makes a
    /// model file that reads back strictly with `box_proposal` = `decoder`, the fitted values included.
    func testFittedProposalIsWrittenAndReadBack() throws {
        let configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let cases = try SyntheticInputs.trainingCases(count: 2)
        let fit = BoxProposalFit(network: net, cases: cases)
        let withRaters = cases.filter { !$0.nonEmptyRaters.isEmpty }
        XCTAssertLessThanOrEqual(fit.casesWithoutProposal, withRaters.count)
        XCTAssertLessThanOrEqual(fit.pairCount, withRaters.reduce(0) { $0 + $1.nonEmptyRaters.count })
        XCTAssertTrue((fit.offset + fit.standardDeviation).allSatisfy(\.isFinite))
        let stored = BoxProposalFit(pairs: [([10, 20, 30, 40], [12, 18, 33, 45])])
        stored.store(in: net.parameters)
        stored.store(in: net.parameters)  // replacing is fine
        var withProposal = configuration
        withProposal.boxProposal = true
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proposal-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var metadata = withProposal.metadata
        metadata["stage"] = "2"
        metadata["base_checkpoint_sha256"] = LiteMedSAMCheckpoint.officialSHA256
        try P2SAMModelFile.write(net.parameters, stage: 2, metadata: metadata, to: url)
        let back = try P2SAMModelFile.readTrainable(
            url, backbone: try TestCheckpoint.weights(), baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256)
        XCTAssertTrue(back.configuration.boxProposal)
        XCTAssertEqual(back.parameters["box_proposal.offset"].value.storage, [2, -2, 3, 5])
        XCTAssertEqual(back.parameters["box_proposal.log_std"].value.storage, [0, 0, 0, 0])
        // The same tensors without the metadata are refused.
        try P2SAMModelFile.write(
            net.parameters, stage: 2, metadata: metadata.filter { $0.key != "box_proposal" }, to: url)
        XCTAssertThrowsError(
            try P2SAMModelFile.readTrainable(
                url, backbone: try TestCheckpoint.weights(), baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256))
    }

    /// The training path's raw box (`P2SAMNetwork.proposalRawBox`): without passes the tight box of one decode
    /// (the fit is the fit before), with passes the refinement by decodes prompted with the box; the passes come
    /// from the configuration unless given.
    func testRawBoxRefinementOnTheTrainingPath() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let cases = try SyntheticInputs.trainingCases(count: 2)
        for item in cases {
            let mean = net.latentGaussian(pgnInput: item.pgnInput).mean
            let once = BoxProposal.rawBox(
                logits: net.assembledLogits(embedding: item.embedding, latents: [mean]).storage,
                resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth)
            XCTAssertEqual(net.proposalRawBox(for: item), once)
            let refined = BoxProposal.refinedRawBox(
                once, passes: 2, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth
            ) { net.assembledLogits(embedding: item.embedding, latents: [mean], box: $0).storage }
            XCTAssertEqual(net.proposalRawBox(for: item, refinementPasses: 2), refined)
        }
        XCTAssertEqual(
            BoxProposalFit(network: net, cases: cases, refinementPasses: 0), BoxProposalFit(network: net, cases: cases))
        configuration.boxProposal = true
        configuration.proposalRefinementPasses = 2
        let refinedNet = try SyntheticInputs.network(configuration, stage: 2)
        XCTAssertEqual(refinedNet.configuration.proposalRefinementPasses, 2)
        for item in cases {
            XCTAssertEqual(
                refinedNet.proposalRawBox(for: item), refinedNet.proposalRawBox(for: item, refinementPasses: 2))
        }
        // The region: given, or the configuration's (`box_proposal_region`), in the first decode and every pass.
        configuration.proposalRegion = .largest
        let largestNet = try SyntheticInputs.network(configuration, stage: 2)
        for item in cases {
            let mean = largestNet.latentGaussian(pgnInput: item.pgnInput).mean
            let expected = BoxProposal.refinedRawBox(
                BoxProposal.rawBox(
                    logits: largestNet.assembledLogits(embedding: item.embedding, latents: [mean]).storage,
                    resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth, region: .largest),
                passes: 2, resizedHeight: item.resizedHeight, resizedWidth: item.resizedWidth, region: .largest
            ) { largestNet.assembledLogits(embedding: item.embedding, latents: [mean], box: $0).storage }
            XCTAssertEqual(largestNet.proposalRawBox(for: item), expected)
            XCTAssertEqual(refinedNet.proposalRawBox(for: item, region: .largest), expected)
        }
        XCTAssertEqual(
            BoxProposalFit(network: refinedNet, cases: cases, region: .largest),
            BoxProposalFit(network: largestNet, cases: cases))
    }
}

/// Fitting the presence evidence (`PresenceEvidenceFit`) and its statistics (`PresenceEvidence.statistics`).
final class PresenceEvidenceFitTests: XCTestCase {
    /// Targets generated by a known logistic model are its minimiser (soft targets), so Newton recovers it.
    func testFitRecoversAKnownLogisticModel() {
        let truth: [Double] = [2, -1, 0.5, -0.3]
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let examples = (0..<400).map { _ -> PresenceEvidenceFit.Example in
            let head = uniform() * 2 - 1
            let s = [uniform(), uniform(), uniform()]
            let z = head + truth[3] + zip(truth.prefix(3), s).reduce(0) { $0 + $1.0 * $1.1 }
            return PresenceEvidenceFit.Example(headLogit: head, statistics: s, target: 1 / (1 + exp(-z)))
        }
        let fit = PresenceEvidenceFit(examples: examples, l2: 0)
        for i in 0..<3 { XCTAssertEqual(Double(fit.weight[i]), truth[i], accuracy: 1e-3) }
        XCTAssertEqual(Double(fit.bias), truth[3], accuracy: 1e-3)
        XCTAssertLessThan(fit.lossAfter, fit.lossBefore)
        XCTAssertEqual(fit.exampleCount, 400)
        // No evidence in the statistics (constant): the bias alone moves, toward the base rate.
        let flat = (0..<50).map { k in
            PresenceEvidenceFit.Example(headLogit: 0, statistics: [0.5, 0.5, 0.5], target: k % 4 == 0 ? 1 : 0)
        }
        let base = PresenceEvidenceFit(examples: flat, l2: 1e-3)
        let z = Double(base.bias) + 0.5 * base.weight.reduce(0) { $0 + Double($1) }
        XCTAssertEqual(1 / (1 + exp(-z)), 13.0 / 50, accuracy: 1e-2)
        XCTAssertEqual(PresenceEvidenceFit(examples: []).weight, [0, 0, 0])
    }

    /// max σ(F), mean σ(F) and the log-area of F > 0 over the box (or the image region), computed by hand.
    func testStatisticsOverTheBoxAndTheImageRegion() {
        var logits = [Float](repeating: -20, count: 256 * 256)
        for y in 10..<20 { for x in 10..<30 { logits[y * 256 + x] = 20 } }  // 200 positive pixels, σ ≈ 1
        let inBox = PresenceEvidence.statistics(
            logits: logits, box: [10, 10, 30, 30], resizedHeight: 256, resizedWidth: 256)
        XCTAssertEqual(inBox[0], 1, accuracy: 1e-6)
        XCTAssertEqual(inBox[1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(Double(inBox[2]), log(201) / log(65537), accuracy: 1e-6)
        let region = PresenceEvidence.statistics(logits: logits, box: nil, resizedHeight: 100, resizedWidth: 200)
        XCTAssertEqual(Double(region[1]), 200.0 / 20000, accuracy: 1e-5)
        XCTAssertEqual(Double(region[2]), log(201) / log(65537), accuracy: 1e-6)
        // Only the image region counts: a 100 x 15 region holds 5 x 20 of the positive pixels.
        let cut = PresenceEvidence.statistics(logits: logits, box: nil, resizedHeight: 15, resizedWidth: 100)
        XCTAssertEqual(Double(cut[2]), log(101) / log(65537), accuracy: 1e-6)
        let empty = PresenceEvidence.statistics(
            logits: logits, box: [100, 100, 120, 120], resizedHeight: 256, resizedWidth: 256)
        XCTAssertEqual(empty[0], 1 / (1 + exp(20)), accuracy: 1e-9)
        XCTAssertEqual(empty[2], 0)
    }

    /// On a stage-2 network with a presence head: examples come from the drawn prompts (and no proposal), their
    /// targets are the non-empty fractions, and the stored evidence reads back with `presence_evidence` metadata.
    func testExamplesAndStoredEvidence() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let cases = try SyntheticInputs.trainingCases(count: 2)
        let examples = PresenceEvidenceFit.examples(network: net, cases: cases, drawsPerCase: 2)
        XCTAssertEqual(examples.count, 4)
        for (k, item) in cases.enumerated() {
            let fraction = Double(item.nonEmptyRaters.count) / Double(item.raters.count)
            XCTAssertEqual(examples[2 * k].target, fraction)
        }
        let fit = PresenceEvidenceFit(examples: examples)
        fit.store(in: net.parameters)
        var withEvidence = configuration
        withEvidence.presenceEvidence = true
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evidence-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var metadata = withEvidence.metadata
        metadata["stage"] = "2"
        metadata["base_checkpoint_sha256"] = LiteMedSAMCheckpoint.officialSHA256
        try P2SAMModelFile.write(net.parameters, stage: 2, metadata: metadata, to: url)
        let back = try P2SAMModelFile.readTrainable(
            url, backbone: try TestCheckpoint.weights(), baseCheckpointSHA256: LiteMedSAMCheckpoint.officialSHA256)
        XCTAssertTrue(back.configuration.presenceEvidence)
        XCTAssertEqual(back.parameters["presence_evidence.evidence.weight"].value.storage, fit.weight)
        // Replacing the head: no offset in the examples, and the head's weights are zeroed when stored.
        let alone = PresenceEvidenceFit.examples(network: net, cases: cases, drawsPerCase: 1, replacingHead: true)
        XCTAssertTrue(alone.allSatisfy { $0.headLogit == 0 })
        ModelInitialisation.setPresenceBias(net.parameters, nonEmptyFraction: 0.3)
        PresenceEvidenceFit(examples: alone).storeReplacingHead(in: net.parameters)
        XCTAssertTrue(net.parameters["presence.head.bias"].value.storage.allSatisfy { $0 == 0 })
        XCTAssertTrue(net.parameters["presence.head.weight"].value.storage.allSatisfy { $0 == 0 })
        // Evidence without a presence head is refused.
        var noHead = metadata
        noHead["presence"] = nil
        XCTAssertThrowsError(try P2SAMConfiguration(metadata: noHead))
    }
}
