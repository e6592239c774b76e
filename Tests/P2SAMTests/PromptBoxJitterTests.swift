import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import PromptUncertainty
import SeededSampling
import XCTest

/// Per-sample jitter of a caller's box (`PromptBoxJitter`, `P2SAMSampler.boxJitter`): fraction 0 decodes exactly as
/// the batched sampler did, a positive fraction gives each sample its own box (box-jitter's draw) reproducibly by
/// seed, and bad fractions are refused by name.
final class PromptBoxJitterTests: XCTestCase {
    let box = BoundingBox(x0: 40, y0: 30, x1: 100, y1: 92)

    /// The masks of `latents` decoded in one batch with `prepared`'s own prompt tokens (the sampler's path without
    /// per-sample prompts), at the image's size.
    func batchedMasks(_ sampler: P2SAMSampler, _ prepared: P2SAMPreparedImage, latents: [[Float]]) -> [MaskImage] {
        let e = prepared.embedded
        let fused = sampler.fusedLogits(for: prepared, latents: latents)
        let upscaled = LiteMedSAMPostprocessor.upscaledLogits(
            fused.storage, count: latents.count, resizedHeight: e.resizedHeight, resizedWidth: e.resizedWidth,
            originalHeight: e.originalHeight, originalWidth: e.originalWidth)
        return LiteMedSAMPostprocessor.threshold(
            upscaled, count: latents.count, height: e.originalHeight, width: e.originalWidth)
    }

    func masks(_ sampler: P2SAMSampler, _ prepared: P2SAMPreparedImage, count: Int, seed: UInt64) throws
        -> [MaskImage]
    {
        var masks: [MaskImage] = []
        _ = try sampler.sample(prepared, count: count, seed: seed) { _, mask in masks.append(mask) }
        return masks
    }

    func testBadFractionsAreRefusedByName() throws {
        for bad in [-0.01, 0.5, 0.7, .nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try PromptBoxJitter(fraction: bad), "\(bad)") { error in
                guard case .invalidBoxJitter = error as? P2SAMModelError else {
                    return XCTFail("\(bad): \(error)")
                }
                XCTAssertTrue("\(error)".contains("box jitter fraction"), "\(error)")
            }
        }
        XCTAssertFalse(try PromptBoxJitter(fraction: 0).isActive)
        XCTAssertEqual(try PromptBoxJitter(fraction: 0), PromptBoxJitter.none)
        XCTAssertTrue(try PromptBoxJitter(fraction: 0.1).isActive)
    }

    /// The boxes are box-jitter's draws (`BoxAugmenter.gaussianJitter`) from the stream at the sample seed plus the
    /// offset, differ from each other, stay inside the image and are the same for the same seed.
    func testBoxesAreBoxJittersDrawsFromTheirOwnStream() throws {
        let jitter = try PromptBoxJitter(fraction: 0.1)
        let boxes = try jitter.boxes(around: box, width: 128, height: 120, count: 6, seed: 7)
        let augmenter = BoxAugmenter(frame: ImageFrame(width: 128, height: 120))
        let random = SeededRandom(seed: 7 &+ PromptBoxJitter.streamOffset)
        let expected = (0..<6).map { _ in augmenter.gaussianJitter(box, fraction: 0.1, random: random) }
        XCTAssertEqual(boxes, expected)
        XCTAssertEqual(try jitter.boxes(around: box, width: 128, height: 120, count: 6, seed: 7), boxes)
        XCTAssertNotEqual(try jitter.boxes(around: box, width: 128, height: 120, count: 6, seed: 8), boxes)
        XCTAssertEqual(Set(boxes.map(\.array)).count, 6, "every sample draws its own box")
        XCTAssertFalse(boxes.contains(box))
        for b in boxes {
            XCTAssertTrue(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= 128 && b.y1 <= 120 && b.x0 < b.x1 && b.y0 < b.y1)
        }
        // Points ride along; no box or no jitter: no per-sample prompts.
        let point = PromptPoint(x: 70, y: 60)
        let prompts = try XCTUnwrap(
            try jitter.prompts(for: ImagePrompt(box: box, points: [point]), width: 128, height: 120, count: 6, seed: 7))
        XCTAssertEqual(prompts.map { $0.points.count }, [Int](repeating: 1, count: 6))
        XCTAssertNil(try jitter.prompts(for: ImagePrompt(points: [point]), width: 128, height: 120, count: 6, seed: 7))
        XCTAssertNil(
            try PromptBoxJitter.none.prompts(for: ImagePrompt(box: box), width: 128, height: 120, count: 6, seed: 7))
    }

    /// Fraction 0 decodes the caller's box in batches exactly as before; a positive fraction decodes sample k with its
    /// own jittered box and its own latent, the same for the same seed and different from fraction 0.
    func testSamplerJittersTheCallersBoxPerSample() throws {
        try IdentityModel.requireCheckpoint()
        var sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        let image = P2SAMSamplerTests.image
        let prompt = ImagePrompt(box: box)
        let prepared = try sampler.prepare(image, prompt: prompt)
        XCTAssertEqual(prepared.callerPrompt, prompt)
        XCTAssertNil(try sampler.prepare(image).callerPrompt)
        let latents = sampler.latents(for: prepared, count: 5, seed: 21)

        sampler.boxJitter = try PromptBoxJitter(fraction: 0)
        let unjittered = try masks(sampler, prepared, count: 5, seed: 21)
        XCTAssertEqual(unjittered, batchedMasks(sampler, prepared, latents: latents))
        XCTAssertNil(try sampler.jitteredPrompts(for: prepared, count: 5, seed: 21))

        sampler.boxJitter = try PromptBoxJitter(fraction: 0.1)
        let jittered = try masks(sampler, prepared, count: 5, seed: 21)
        XCTAssertEqual(try masks(sampler, prepared, count: 5, seed: 21), jittered, "same seed, same masks")
        XCTAssertNotEqual(jittered, unjittered)
        XCTAssertEqual(sampler.latents(for: prepared, count: 5, seed: 21), latents, "the latents do not change")
        let prompts = try XCTUnwrap(try sampler.jitteredPrompts(for: prepared, count: 5, seed: 21))
        let expectedBoxes = try sampler.effectiveBoxJitter.boxes(
            around: box, width: 128, height: 128, count: 5, seed: 21)
        for k in 0..<5 {
            XCTAssertEqual(
                prompts[k], try Prompt(ImagePrompt(box: expectedBoxes[k]), imageHeight: 128, imageWidth: 128))
            var one = prepared
            one.promptTokens = sampler.model.promptEncoder.sparseEmbedding(for: prompts[k])
            XCTAssertEqual(jittered[k], batchedMasks(sampler, one, latents: [latents[k]])[0], "sample \(k)")
        }
        // Without a caller's box the jitter has no effect.
        let plain = try sampler.prepare(image)
        sampler.boxJitter = .none
        let reference = try masks(sampler, plain, count: 3, seed: 5)
        sampler.boxJitter = try PromptBoxJitter(fraction: 0.2)
        XCTAssertEqual(try masks(sampler, plain, count: 3, seed: 5), reference)
    }

    /// Per-sample prompts (here a jittered box with the caller's point riding along) decode in batches of `batchSize`
    /// as they do one at a time, whatever the batch size (7 samples: full and partial batches).
    func testPerSamplePromptsDecodeTheSameInAnyBatchSize() throws {
        try IdentityModel.requireCheckpoint()
        var sampler = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        sampler.boxJitter = try PromptBoxJitter(fraction: 0.2)
        let prompt = ImagePrompt(box: box, points: [PromptPoint(x: 70, y: 60)])
        let prepared = try sampler.prepare(P2SAMSamplerTests.image, prompt: prompt)
        sampler.batchSize = 1
        let alone = try masks(sampler, prepared, count: 7, seed: 11)
        XCTAssertEqual(Set(alone.map(\.pixels)).count, 7, "every sample has its own box, so its own mask")
        for size in [3, 8] {
            sampler.batchSize = size
            XCTAssertEqual(try masks(sampler, prepared, count: 7, seed: 11), alone, "batch size \(size)")
        }
    }

    /// Metadata `box_jitter` is the sampler's default: a model file with F 0.1 draws what an explicit F 0.1 draws, an
    /// explicit `none` overrides it; bad values are refused by key, and F 0 writes no key.
    func testModelFilesBoxJitterIsTheSamplersDefault() throws {
        let base = ["format": "p2sam-v1", "injection": "sparse", "prompt": "full-box"]
        XCTAssertEqual(try P2SAMConfiguration(metadata: base).boxJitter, .none)
        XCTAssertNil(try P2SAMConfiguration(metadata: base).metadata["box_jitter"])
        var withJitter = base
        withJitter["box_jitter"] = "0.1"
        let configuration = try P2SAMConfiguration(metadata: withJitter)
        XCTAssertEqual(configuration.boxJitter, try PromptBoxJitter(fraction: 0.1))
        XCTAssertEqual(try P2SAMConfiguration(metadata: configuration.metadata), configuration)
        let decoded = try JSONDecoder().decode(P2SAMConfiguration.self, from: JSONEncoder().encode(configuration))
        XCTAssertEqual(decoded, configuration)
        XCTAssertThrowsError(
            try JSONDecoder().decode(PromptBoxJitter.self, from: Data("0.6".utf8)), "0.6 is beyond the limit")
        for bad in ["0.5", "-0.1", "abc", "nan", "inf", ""] {
            withJitter["box_jitter"] = bad
            XCTAssertThrowsError(try P2SAMConfiguration(metadata: withJitter), bad) { error in
                XCTAssertTrue("\(error)".contains("'box_jitter'"), "\(error)")
            }
        }

        try IdentityModel.requireCheckpoint()
        let encoder = try IdentityModel.encoder()
        let tensors = try IdentityModel.tensors(injection: .sparse)
        var metadata = IdentityModel.metadata(injection: .sparse)
        metadata["box_jitter"] = "0.1"
        var byModel = P2SAMSampler(
            model: try P2SAMModel(file: try P2SAMModelFile(tensors: tensors, metadata: metadata), imageEncoder: encoder)
        )
        XCTAssertNil(byModel.boxJitter)
        XCTAssertEqual(byModel.effectiveBoxJitter, try PromptBoxJitter(fraction: 0.1))
        var explicit = P2SAMSampler(model: try IdentityModel.model(injection: .sparse))
        explicit.boxJitter = try PromptBoxJitter(fraction: 0.1)
        let prepared = try byModel.prepare(P2SAMSamplerTests.image, prompt: ImagePrompt(box: box))
        let jittered = try masks(explicit, prepared, count: 4, seed: 3)
        XCTAssertEqual(try masks(byModel, prepared, count: 4, seed: 3), jittered)
        byModel.boxJitter = PromptBoxJitter.none
        explicit.boxJitter = PromptBoxJitter.none
        let plain = try masks(explicit, prepared, count: 4, seed: 3)
        XCTAssertNotEqual(plain, jittered)
        XCTAssertEqual(try masks(byModel, prepared, count: 4, seed: 3), plain, "an explicit none overrides the model's")
    }
}
