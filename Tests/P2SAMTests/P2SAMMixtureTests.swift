import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import XCTest

/// `P2SAMMixture`: of n samples each component draws its share with its own seed, the statistics cover all n, one
/// component is the sampler itself, and malformed mixtures are refused (needs Models/lite_medsam.pth).
final class P2SAMMixtureTests: XCTestCase {
    func testSharesSplitTheCountWithTheRemainderToTheFirstComponents() throws {
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let three = try P2SAMMixture(components: [sampler, sampler, sampler])
        XCTAssertEqual(three.counts(for: 16), [6, 5, 5])
        XCTAssertEqual(three.counts(for: 3), [1, 1, 1])
        XCTAssertEqual(three.counts(for: 2), [1, 1, 0])
        XCTAssertEqual(P2SAMMixture(sampler).counts(for: 7), [7])
        XCTAssertEqual(P2SAMMixture.componentSeed(5, index: 0), 5)
        XCTAssertNotEqual(P2SAMMixture.componentSeed(5, index: 1), P2SAMMixture.componentSeed(5, index: 2))
    }

    func testMalformedMixturesAreRefused() throws {
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        for count in [0, P2SAMMixture.maximumComponentCount + 1] {
            XCTAssertThrowsError(try P2SAMMixture(components: Array(repeating: sampler, count: count))) { error in
                XCTAssertTrue("\(error)".contains("mixture needs 1 to"), "\(error)")
            }
        }
        let two = try P2SAMMixture(components: [sampler, sampler])
        let prepared = try sampler.prepare(P2SAMSamplerTests.image)
        XCTAssertThrowsError(try two.sample([prepared], count: 4, seed: 1)) { error in
            XCTAssertTrue("\(error)".contains("1 prepared images for a mixture of 2"), "\(error)")
        }
        XCTAssertThrowsError(try two.sample([prepared, prepared], count: 0, seed: 1)) { error in
            XCTAssertEqual(error as? P2SAMModelError, .invalidSampleCount(0, maximum: P2SAMSampler.maximumSampleCount))
        }
    }

    func testOneComponentIsTheSamplerItself() throws {
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let mixture = P2SAMMixture(sampler)
        let image = P2SAMSamplerTests.image
        var direct: [MaskImage] = []
        var mixed: [MaskImage] = []
        let alone = try sampler.sample(try sampler.prepare(image), count: 5, seed: 3) { _, mask in direct.append(mask) }
        let pooled = try mixture.sample(try mixture.prepare(image, embedded: nil), count: 5, seed: 3) { _, mask in
            mixed.append(mask)
        }
        XCTAssertTrue(mixed == direct, "one component's samples differ from the sampler's")
        XCTAssertTrue(pooled.frequency == alone.frequency, "one component changed the frequency")
        XCTAssertEqual(pooled.count, 5)
    }

    /// Component 0 (a model that marks the disk) draws 2 of 3 samples with the mixture's seed; component 1 draws 1
    /// with its own seed and is made to sample only empty masks, so the pooled frequency is 2/3 of component 0's.
    func testEachComponentDrawsItsShareWithItsOwnSeedAndTheFrequencyPoolsThem() throws {
        let marking = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let other = P2SAMSampler(model: try IdentityModel.model(injection: .dense))
        let mixture = try P2SAMMixture(components: [marking, other])
        let image = P2SAMSamplerTests.image
        var prepared = try mixture.prepare(image, embedded: nil)
        prepared[1].presenceProbability = 0
        var indices: [Int] = []
        var masks: [MaskImage] = []
        let pooled = try mixture.sample(prepared, count: 3, seed: 8) { k, mask in
            indices.append(k)
            masks.append(mask)
        }
        XCTAssertEqual(indices, [0, 1, 2])
        var first: [MaskImage] = []
        let alone = try marking.sample(prepared[0], count: 2, seed: 8) { _, mask in first.append(mask) }
        XCTAssertTrue(first.allSatisfy { $0.pixels.contains { $0 != 0 } }, "component 0 marks something")
        XCTAssertTrue(Array(masks[0..<2]) == first, "component 0's samples differ from its sampler's")
        XCTAssertFalse(masks[2].pixels.contains { $0 != 0 }, "component 1 samples empty masks")
        var last: [MaskImage] = []
        _ = try other.sample(prepared[1], count: 1, seed: P2SAMMixture.componentSeed(8, index: 1)) { _, mask in
            last.append(mask)
        }
        XCTAssertTrue(last == [masks[2]], "component 1's sample is not drawn with its own seed")
        XCTAssertEqual(pooled.count, 3)
        XCTAssertEqual(pooled.frequency.count, alone.frequency.count)
        for p in pooled.frequency.indices {
            XCTAssertEqual(pooled.frequency[p], alone.frequency[p] * 2 / 3, accuracy: 1e-6)
        }
    }

    /// Two copies of one model: the second copy's samples are that model's samples at the second component's seed,
    /// not a repeat of the first copy's.
    func testASecondCopyOfAModelDrawsOtherSamples() throws {
        let sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let mixture = try P2SAMMixture(components: [sampler, sampler])
        let prepared = try mixture.prepare(P2SAMSamplerTests.image, embedded: nil)
        var masks: [MaskImage] = []
        _ = try mixture.sample(prepared, count: 4, seed: 2) { _, mask in masks.append(mask) }
        var first: [MaskImage] = []
        var second: [MaskImage] = []
        _ = try sampler.sample(prepared[0], count: 2, seed: 2) { _, mask in first.append(mask) }
        _ = try sampler.sample(prepared[1], count: 2, seed: P2SAMMixture.componentSeed(2, index: 1)) { _, mask in
            second.append(mask)
        }
        XCTAssertTrue(masks == first + second, "the mixture's samples are not the two copies' samples in order")
        XCTAssertTrue(second != first, "the second copy repeated the first copy's samples")
    }

    /// `P2SAMMixture(bundled:)`: the bundled LIDC model is its three trainings in order (seeds 1-3), a model of one
    /// file is one component, and an unknown name is refused naming the bundled ones.
    func testBundledModelsLoadAsMixtures() throws {
        let lidc = try P2SAMMixture(bundled: "lidc")
        XCTAssertEqual(lidc.components.map { $0.model.metadata["seed"] }, ["1", "2", "3"])
        XCTAssertEqual(try P2SAMMixture(bundled: "synthetic").components.count, 1)
        XCTAssertThrowsError(try P2SAMMixture(bundled: "lidc.safetensors")) { error in
            XCTAssertTrue(
                "\(error)".contains("no bundled model is called 'lidc.safetensors' (bundled: synthetic, lidc, bubil)"),
                "\(error)")
        }
    }

    /// `P2SAMModel.load(files:)` (one backbone read, one shared encoder) gives the models that loading each file on
    /// its own gives: the same masks from the same seed.
    func testModelsLoadedTogetherSampleAsModelsLoadedAlone() throws {
        let files = Array(try P2SAMModelCard.resolve("lidc").prefix(2))
        let together = try P2SAMModel.load(files: files)
        XCTAssertEqual(together.count, 2)
        for (file, shared) in zip(files, together) {
            let alone = P2SAMSampler(model: try P2SAMModel(modelFile: file))
            let sharedSampler = P2SAMSampler(model: shared)
            var masks: [[MaskImage]] = [[], []]
            for (k, sampler) in [alone, sharedSampler].enumerated() {
                _ = try sampler.sample(try sampler.prepare(P2SAMSamplerTests.image), count: 3, seed: 11) { _, mask in
                    masks[k].append(mask)
                }
            }
            XCTAssertEqual(masks[0].map(\.pixels), masks[1].map(\.pixels), file.lastPathComponent)
        }
    }
}
