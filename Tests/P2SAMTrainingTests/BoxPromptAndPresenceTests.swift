import Foundation
import P2SAM
import P2SAMTraining
import SAMTensor
import SeededSampling
import XCTest

/// Box-following training prompts (`TrainingBoxPrompts`) and the presence head ("empty or not").
final class BoxPromptAndPresenceTests: XCTestCase {
    /// A 256x256 mask with the rectangle [x0, x1) x [y0, y1) set.
    func mask(x0: Int, y0: Int, x1: Int, y1: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: 256 * 256)
        for y in y0..<y1 { for x in x0..<x1 { m[y * 256 + x] = 1 } }
        return m
    }

    func testTightBoxOfAMaskAndOfAnEmptyMask() {
        XCTAssertEqual(TrainingBoxPrompts.tightBox(of: mask(x0: 10, y0: 20, x1: 31, y1: 41)), [10, 20, 31, 41])
        XCTAssertNil(TrainingBoxPrompts.tightBox(of: [UInt8](repeating: 0, count: 256 * 256)))
    }

    /// Every augmented box lies in the image region, is at least one pixel wide, and stays within the
    /// recipe's bounds: sides ±2 px, then width and height x [0.6, 1.5] and the centre ±10 px.
    func testAugmentedBoxesStayWithinTheRecipesBounds() throws {
        let prompts = TrainingBoxPrompts()
        let random = SeededRandom(seed: 11)
        let m = mask(x0: 100, y0: 90, x1: 140, y1: 150)  // 40 x 60, far from the borders
        var scales: [Double] = []
        for _ in 0..<2000 {
            let box = try XCTUnwrap(
                prompts.augmentedBox(of: m, resizedHeight: 256, resizedWidth: 256, random: random))
            let (w, h) = (Double(box[2] - box[0]), Double(box[3] - box[1]))
            XCTAssertGreaterThanOrEqual(w, (40 - 4) * 0.6 - 1e-3)
            XCTAssertLessThanOrEqual(w, (40 + 4) * 1.5 + 1e-3)
            XCTAssertGreaterThanOrEqual(h, (60 - 4) * 0.6 - 1e-3)
            XCTAssertLessThanOrEqual(h, (60 + 4) * 1.5 + 1e-3)
            let cx = Double(box[0] + box[2]) / 2
            let cy = Double(box[1] + box[3]) / 2
            XCTAssertLessThanOrEqual(abs(cx - 120), 10 + 2 + 1e-3)
            XCTAssertLessThanOrEqual(abs(cy - 120), 10 + 2 + 1e-3)
            scales.append(w / 40)
        }
        // The scale range is used, not just its middle.
        XCTAssertLessThan(scales.min()!, 0.7)
        XCTAssertGreaterThan(scales.max()!, 1.4)
    }

    func testBoxesAreClippedToTheImageRegion() throws {
        let prompts = TrainingBoxPrompts()
        let random = SeededRandom(seed: 5)
        let m = mask(x0: 0, y0: 0, x1: 30, y1: 20)  // at the corner of a 100 x 80 image region
        for _ in 0..<500 {
            let box = try XCTUnwrap(prompts.augmentedBox(of: m, resizedHeight: 80, resizedWidth: 100, random: random))
            XCTAssertGreaterThanOrEqual(box[0], 0)
            XCTAssertGreaterThanOrEqual(box[1], 0)
            XCTAssertLessThanOrEqual(box[2], 100)
            XCTAssertLessThanOrEqual(box[3], 80)
            XCTAssertGreaterThanOrEqual(box[2] - box[0], 1)
            XCTAssertGreaterThanOrEqual(box[3] - box[1], 1)
        }
    }

    func testFullImagePromptIsDrawnWithItsProbability() throws {
        let raters = [mask(x0: 50, y0: 50, x1: 80, y1: 90), [UInt8](repeating: 0, count: 256 * 256)]
        let item = TrainingCase(
            caseID: "c", embedding: Tensor(shape: [64, 64, 256]), pgnInput: Tensor(shape: [128, 128, 1]),
            raters: raters, resizedHeight: 256, resizedWidth: 256)
        let random = SeededRandom(seed: 3)
        let quarter = TrainingBoxPrompts(fullImageProbability: 0.25)
        let draws = (0..<4000).map { _ in quarter.draw(for: item, random: random) }
        let fullImage = Double(draws.filter { $0 == nil }.count) / Double(draws.count)
        XCTAssertEqual(fullImage, 0.25, accuracy: 0.03)
        // Boxes come from the non-empty rater only.
        for box in draws.compactMap({ $0 }) { XCTAssertLessThanOrEqual(abs((box[0] + box[2]) / 2 - 65), 12.01) }
        XCTAssertTrue(
            (0..<50).allSatisfy { _ in
                TrainingBoxPrompts(fullImageProbability: 1).draw(for: item, random: random) == nil
            })
        XCTAssertTrue(
            (0..<50).allSatisfy { _ in
                TrainingBoxPrompts(fullImageProbability: 0).draw(for: item, random: random) != nil
            })
        // No non-empty rater: the full-image prompt.
        XCTAssertNil(TrainingBoxPrompts(fullImageProbability: 0).draw(for: item, raters: [1], random: random))
        XCTAssertThrowsError(try TrainingBoxPrompts(fullImageProbability: 1.5).validate())
    }

    /// Features: the box half is the mean over the 64-grid cells (4x4 model pixels each) the box covers, the second half the image
    /// region's mean (checked against means computed here from a per-cell ramp).
    func testPresenceFeaturesAverageTheBoxAndTheImageRegion() {
        // Channel c of cell (y, x) = x + 100 y + c.
        let embedding = Tensor(shape: [64, 64, 256]) { out in
            for y in 0..<64 {
                for x in 0..<64 { for c in 0..<256 { out[(y * 64 + x) * 256 + c] = Float(x + 100 * y + c) } }
            }
        }
        // Image region 128 x 64 pixels = cells x 0..<32, y 0..<16: mean x 15.5, mean y 7.5.
        let full = PresenceHead.features(embedding: embedding, box: nil, resizedHeight: 64, resizedWidth: 128)
        XCTAssertEqual(full.storage[0], 15.5 + 750, accuracy: 1e-2)
        XCTAssertEqual(full.storage[256 + 3], 15.5 + 750 + 3, accuracy: 1e-2)
        // Box pixels [16, 8, 32, 24) = cells x 4..<8, y 2..<6: mean x 5.5, mean y 3.5.
        let boxed = PresenceHead.features(
            embedding: embedding, box: [16, 8, 32, 24], resizedHeight: 64, resizedWidth: 128)
        XCTAssertEqual(boxed.storage[0], 5.5 + 350, accuracy: 1e-2)
        XCTAssertEqual(boxed.storage[256], 15.5 + 750, accuracy: 1e-2)
    }

    /// The sampler's presence draws follow p, come from their own stream, and are all true without a head.
    func testPresenceDrawsFollowTheProbability() {
        XCTAssertEqual(P2SAMSampler.presence(probability: nil, count: 10, seed: 1), [Bool](repeating: true, count: 10))
        for p in [Float(0.1), 0.6, 0.9] {
            let draws = P2SAMSampler.presence(probability: p, count: 5000, seed: 9)
            XCTAssertEqual(Double(draws.filter { $0 }.count) / 5000, Double(p), accuracy: 0.025)
        }
        XCTAssertEqual(
            P2SAMSampler.presence(probability: 0.5, count: 64, seed: 4),
            P2SAMSampler.presence(probability: 0.5, count: 64, seed: 4))
    }

    /// Stage 2 with a presence head on a fixture whose raters are non-empty in a known proportion (1 of 4 per
    /// case, or none): the head is among stage 2's trainables, and its loss alone teaches it that proportion (the
    /// mean fraction over the cases). The learning part trains the head only: 0.2, the learning rate that reaches the
    /// base rate in 20 steps, is far too large for the PGN, whose Adam steps move every weight by about 0.2: its latent
    /// grows to ~1e18 within 5 steps and the decoder's token attention overflows float32 (measured on Zen 3 with the
    /// own kernel and with OpenBLAS alike; whether and when it overflows depends on rounding, docs/training.md), which
    /// says nothing about the head.
    func testPresenceHeadLearnsTheFractionOfNonEmptyRaters() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        configuration.presenceHead = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        XCTAssertTrue(net.hasPresenceHead)
        let empty = [UInt8](repeating: 0, count: 256 * 256)
        let drawn = mask(x0: 60, y0: 60, x1: 120, y1: 110)
        // Same (zero) embedding everywhere, so only the base rate can be learned: cases with 1/4 and 0/4 non-empty
        // raters, mean 1/8.
        func item(_ id: String, _ raters: [[UInt8]]) -> TrainingCase {
            TrainingCase(
                caseID: id, embedding: Tensor(shape: [64, 64, 256]), pgnInput: Tensor(shape: [128, 128, 1]),
                raters: raters, resizedHeight: 256, resizedWidth: 256)
        }
        let cases = [item("a", [drawn, empty, empty, empty]), item("b", [empty, empty, empty, empty])]
        let trainer = try P2SAMTrainer(
            network: net,
            options: TrainingOptions(
                stage: 2, learningRate: 0.2, batchSize: 2, setLoss: .none, samples: 1,
                boxPrompts: TrainingBoxPrompts()))
        XCTAssertTrue(trainer.trainableNames.contains { $0.hasPrefix(PresenceHead.defaultKey + ".") })
        let headTrainer = try P2SAMTrainer(
            network: net,
            options: TrainingOptions(
                stage: 2, learningRate: 0.2, batchSize: 2, setLoss: .none, samples: 1,
                boxPrompts: TrainingBoxPrompts(), presenceOnly: true))
        let zero = PresenceHead.features(
            embedding: Tensor(shape: [64, 64, 256]), box: nil, resizedHeight: 256, resizedWidth: 256)
        XCTAssertEqual(net.presenceProbability(features: zero), 0.5, accuracy: 1e-6)
        // Adam moves the logit by about the learning rate per step: ~10 steps reach logit(1/8) ≈ −1.95, then it
        // oscillates around it; the mean of the last 8 steps' p is compared.
        var history: [Float] = []
        for step in 0..<20 {
            _ = try headTrainer.step(cases, random: SeededRandom(seed: UInt64(step)))
            history.append(net.presenceProbability(features: zero))
        }
        XCTAssertEqual(history.suffix(8).reduce(0, +) / 8, 0.125, accuracy: 0.04, "\(history)")
        // Initialising at the base rate is what `p2sam train` does.
        ModelInitialisation.setPresenceBias(net.parameters, nonEmptyFraction: 0.3)
        XCTAssertEqual(net.presenceProbability(features: zero), 0.3, accuracy: 1e-5)
    }

    /// `--presence-only`: only the presence head trains (no decoder loss), and a model without a head is refused.
    func testPresenceOnlyTrainsOnlyTheHead() throws {
        var configuration = P2SAMConfiguration(injection: .sparse, pgnWidths: P2SAMConfiguration.lightPGNWidths)
        let plain = try SyntheticInputs.network(configuration, stage: 2)
        XCTAssertThrowsError(try P2SAMTrainer(network: plain, options: TrainingOptions(stage: 2, presenceOnly: true)))
        XCTAssertThrowsError(try TrainingOptions(stage: 1, presenceOnly: true).validate())
        configuration.presenceHead = true
        let net = try SyntheticInputs.network(configuration, stage: 2)
        let trainer = try P2SAMTrainer(
            network: net, options: TrainingOptions(stage: 2, learningRate: 0.05, batchSize: 2, presenceOnly: true))
        XCTAssertFalse(trainer.trainableNames.isEmpty)
        XCTAssertTrue(trainer.trainableNames.allSatisfy { $0.hasPrefix(PresenceHead.defaultKey + ".") })
        let before = net.parameters.snapshot()
        _ = try trainer.step(try SyntheticInputs.trainingCases(count: 2), random: SeededRandom(seed: 1))
        let after = net.parameters.snapshot()
        for name in net.parameters.names where !name.hasPrefix(PresenceHead.defaultKey + ".") {
            XCTAssertTrue(before[name] == after[name], "\(name) changed")
        }
        XCTAssertTrue(before["presence.head.weight"] != after["presence.head.weight"], "the head did not move")
    }
}
