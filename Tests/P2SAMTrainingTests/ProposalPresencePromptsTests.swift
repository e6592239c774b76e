import Foundation
import P2SAM
import P2SAMTraining
import SAMTensor
import SeededSampling
import XCTest

/// Refitting the presence head on the model's own box proposal (`ProposalPresencePrompts`,
/// `PresencePromptSource.proposal`, `p2sam train --presence-only --presence-prompt proposal`).
final class ProposalPresencePromptsTests: XCTestCase {
    /// A case whose embedding is 1 in channel 0 on the grid cells 48…63 × 48…63 (model pixels 192…255) and 0
    /// elsewhere, with one non-empty rater (a square at pixels 10…29) and three empty ones (non-empty fraction 1/4).
    static func item(_ id: String, height: Int = 256, width: Int = 256) -> TrainingCase {
        var embedding = [Float](repeating: 0, count: 64 * 64 * 256)
        for y in 48..<64 { for x in 48..<64 { embedding[(y * 64 + x) * 256] = 1 } }
        var drawn = [UInt8](repeating: 0, count: 256 * 256)
        for y in 10..<30 { for x in 10..<30 { drawn[y * 256 + x] = 1 } }
        let empty = [UInt8](repeating: 0, count: 256 * 256)
        return TrainingCase(
            caseID: id, embedding: Tensor(shape: [64, 64, 256], storage: embedding),
            pgnInput: Tensor(shape: [128, 128, 1]), raters: [drawn, empty, empty, empty], resizedHeight: height,
            resizedWidth: width)
    }

    /// σ = 0: the draw is raw + offset, clipped to the image region; a case without a raw box gets nil (the
    /// default prompt). σ > 0: the draws' mean and standard deviation per corner are offset + raw and σ.
    func testDrawsAreTheClippedProposalGaussianAroundTheRawBox() {
        let raw: [Float] = [100, 60, 180, 150]
        let exact = ProposalPresencePrompts(
            offset: [2, -3, 4, 80], standardDeviation: [0, 0, 0, 0], rawBoxes: ["a": raw])
        let a = Self.item("a", height: 200)
        XCTAssertEqual(exact.draw(for: a, random: SeededRandom(seed: 1)), [102, 57, 184, 200])  // y1 230 → 200
        XCTAssertNil(exact.draw(for: Self.item("b"), random: SeededRandom(seed: 1)))

        let sigma: [Float] = [3, 5, 2, 4]
        let offset: [Float] = [1, -2, 3, -4]
        let prompts = ProposalPresencePrompts(offset: offset, standardDeviation: sigma, rawBoxes: ["a": raw])
        let random = SeededRandom(seed: 9)
        let n = 4000
        let draws = (0..<n).map { _ in prompts.draw(for: a, random: random)! }
        for c in 0..<4 {
            let values = draws.map { Double($0[c]) }
            let mean = values.reduce(0, +) / Double(n)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
            XCTAssertEqual(mean, Double(raw[c] + offset[c]), accuracy: 0.3, "corner \(c)")
            XCTAssertEqual(sd, Double(sigma[c]), accuracy: 0.3, "corner \(c)")
        }
    }

    /// Building the prompts from a network needs a stage-2 model with a box proposal; with one, every raw box is a
    /// valid box of a training case and the offset and σ are the proposal's.
    func testPromptsFromANetworkNeedABoxProposal() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let cases = try SyntheticInputs.trainingCases(count: 2)
        XCTAssertThrowsError(
            try ProposalPresencePrompts(network: try SyntheticInputs.network(configuration, stage: 2), cases: cases))
        configuration.boxProposal = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        net.parameters["box_proposal.offset"].value = Tensor(shape: [4], storage: [1, 2, 3, 4])
        net.parameters["box_proposal.log_std"].value = Tensor(shape: [4], storage: [0, log(2), 0, 0])
        let fresh = P2SAMNetwork(configuration: configuration, parameters: net.parameters)
        let prompts = try ProposalPresencePrompts(network: fresh, cases: cases)
        XCTAssertEqual(prompts.offset, [1, 2, 3, 4])
        XCTAssertEqual(prompts.standardDeviation[1], 2, accuracy: 1e-5)
        XCTAssertTrue(Set(prompts.rawBoxes.keys).isSubset(of: Set(cases.map(\.caseID))))
        for (id, box) in prompts.rawBoxes {
            let item = cases.first { $0.caseID == id }!
            XCTAssertTrue(box[0] < box[2] && box[1] < box[3], "\(box)")
            XCTAssertTrue(box[2] <= Float(item.resizedWidth) && box[3] <= Float(item.resizedHeight), "\(box)")
        }
    }

    /// The options and the trainer refuse inconsistent requests: proposal prompts outside `--presence-only`, the
    /// source `proposal` without prompts, prompts with the source `training`.
    func testInconsistentRequestsAreRefused() throws {
        XCTAssertThrowsError(try TrainingOptions(stage: 2, presencePrompts: .proposal).validate())
        XCTAssertNoThrow(try TrainingOptions(stage: 2, presenceOnly: true, presencePrompts: .proposal).validate())
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let prompts = ProposalPresencePrompts(offset: [0, 0, 0, 0], standardDeviation: [0, 0, 0, 0], rawBoxes: [:])
        XCTAssertThrowsError(
            try P2SAMTrainer(
                network: net, options: TrainingOptions(stage: 2, presenceOnly: true, presencePrompts: .proposal)))
        XCTAssertThrowsError(
            try P2SAMTrainer(
                network: net, options: TrainingOptions(stage: 2, presenceOnly: true), proposalPrompts: prompts))
    }

    /// The head is fitted on the proposal's box, not on the training prompts: only the proposal box (pixels
    /// 192…255) covers the embedding's non-zero cells, so only then does the weight of the box half's channel 0
    /// get a gradient (target 1/4 against p = 0.5); with the training prompts (the rater's box near pixel 20, no
    /// full-image draws) it stays exactly 0. The image-mean half's channel 0 moves in both.
    func testPresenceLossUsesTheProposalBox() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let boxes = TrainingBoxPrompts(fullImageProbability: 0)
        let cases = [Self.item("a")]
        let prompts = ProposalPresencePrompts(
            offset: [0, 0, 0, 0], standardDeviation: [0, 0, 0, 0], rawBoxes: ["a": [192, 192, 256, 256]])
        func weights(_ source: PresencePromptSource) throws -> [Float] {
            let net = try SyntheticInputs.network(configuration, stage: 2)
            ModelInitialisation.resetPresenceHead(net.parameters, nonEmptyFraction: 0.5)
            let trainer = try P2SAMTrainer(
                network: net,
                options: TrainingOptions(
                    stage: 2, learningRate: 0.05, batchSize: 1, boxPrompts: boxes, presenceOnly: true,
                    presencePrompts: source == .proposal ? .proposal : nil),
                proposalPrompts: source == .proposal ? prompts : nil)
            _ = try trainer.step(cases, random: SeededRandom(seed: 1))
            return net.parameters["presence.head.weight"].value.storage
        }
        let proposal = try weights(.proposal)
        let training = try weights(.training)
        XCTAssertLessThan(proposal[0], -0.01, "box-half channel 0 should move towards 'empty'")
        XCTAssertEqual(training[0], 0, "the training prompts never cover the non-zero cells")
        XCTAssertLessThan(proposal[256], -0.01)
        XCTAssertLessThan(training[256], -0.01)
    }

    /// `resetPresenceHead` zeroes the weight and puts the bias at the base-rate logit.
    func testResetPresenceHead() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        net.parameters["presence.head.weight"].value = Tensor(
            shape: [1, 512], storage: [Float](repeating: 0.7, count: 512))
        ModelInitialisation.resetPresenceHead(net.parameters, nonEmptyFraction: 0.8)
        XCTAssertTrue(net.parameters["presence.head.weight"].value.storage.allSatisfy { $0 == 0 })
        XCTAssertEqual(net.parameters["presence.head.bias"].value.storage[0], Float(log(0.8 / 0.2)), accuracy: 1e-5)
    }
}
