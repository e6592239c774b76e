import Foundation
import LiteMedSAM
import MedImageIO
import P2SAM
import XCTest

/// Issue 16: one predictor and one sampler shared by two threads at once give the results of serial
/// use (run under ThreadSanitizer by `scripts/tsan.sh` to prove there is no data race).
final class ConcurrentUseTests: XCTestCase {
    func testPredictorAndSamplerSharedByTwoThreads() throws {
        try IdentityModel.requireCheckpoint()
        let model = try IdentityModel.model(injection: .sparse)
        let predictor = try LiteMedSAMPredictor(checkpoint: IdentityModel.checkpoint)
        let sampler: P2SAMSampler = {
            var sampler = P2SAMSampler(model: model)
            sampler.batchSize = 2
            return sampler
        }()
        let image = P2SAMSamplerTests.image
        let prompts = [
            ImagePrompt(box: BoundingBox(x0: 45, y0: 35, x1: 95, y1: 85)),
            ImagePrompt(box: BoundingBox(x0: 50, y0: 40, x1: 90, y1: 80), points: [PromptPoint(x: 70, y: 60)]),
        ]

        @Sendable func work(_ index: Int) throws -> ([MaskImage], [MaskImage]) {
            let embedded = try predictor.embed(image)
            let masks = try predictor.segment(embedded, prompts: [prompts[index]]).map { $0.masks[0] }
            let prepared = try sampler.prepare(image, embedded: embedded, prompt: prompts[index])
            var samples: [MaskImage] = []
            _ = try sampler.sample(prepared, count: 3, seed: UInt64(index + 1)) { _, mask in samples.append(mask) }
            return (masks, samples)
        }
        let serial = try (0..<2).map(work)

        let collected = Collected()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            collected.record(index, Result { try work(index) })
        }
        for index in 0..<2 {
            let result = try XCTUnwrap(collected.results[index]).get()
            XCTAssertEqual(result.0, serial[index].0, "predictor masks of thread \(index)")
            XCTAssertEqual(result.1, serial[index].1, "sampler masks of thread \(index)")
        }
    }
}

/// Results gathered from several threads under a lock.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Int: Result<([MaskImage], [MaskImage]), Error>] = [:]

    func record(_ index: Int, _ result: Result<([MaskImage], [MaskImage]), Error>) {
        lock.lock()
        defer { lock.unlock() }
        stored[index] = result
    }

    var results: [Int: Result<([MaskImage], [MaskImage]), Error>] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
