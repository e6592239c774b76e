import AutoMedSAM
import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import SeededSampling
import TorchCheckpoint
import XCTest

/// The batched class prompt encoder (`ClassPromptEncoder.promptEmbeddings`, all classes at once with the
/// class-independent work shared) equals the per-class generic forward, element by element, up to float
/// rounding: |Δ| ≤ 1e-4 · (1 + max |value|).
final class ClassPromptBatchTests: XCTestCase {
    static func encoder(
        classes: Int, branches: PromptBranches, sigmoid: Bool = true, positional: Bool = false, tokens: Bool = false,
        seed: UInt64
    ) throws -> ClassPromptEncoder {
        var placeholder = WeightStore.placeholder()
        let declarations = try ClassPromptEncoder(
            &placeholder, classCount: classes, branches: branches, denseAttentionSigmoid: sigmoid,
            positionalInput: positional, classTokens: tokens
        ).parameterDeclarations
        var store = WeightStore(Fixtures.randomWeights(declarations, seed: seed))
        let encoder = try ClassPromptEncoder(
            &store, classCount: classes, branches: branches, denseAttentionSigmoid: sigmoid,
            positionalInput: positional, classTokens: tokens)
        try store.finish()
        return encoder
    }

    static func assertClose(
        _ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let scale = 1 + (b.map(abs).max() ?? 0)
        let difference = Fixtures.maxAbsDifference(a, b)
        XCTAssertLessThanOrEqual(
            difference, 1e-4 * scale, "\(what): max |Δ| \(difference), scale \(scale)", file: file, line: line)
    }

    func testBatchedEncoderEqualsThePerClassForward() throws {
        let embedding = Fixtures.embedding(seed: 3)
        let positional = Fixtures.embedding(seed: 4, sigma: 0.3)
        let noise = DiffusionNoise(steps: 10, scale: 1)
        let random = SeededRandom(seed: 9)
        let variants: [(String, ClassPromptEncoder, Bool)] = [
            (
                "both, tokens, positional",
                try Self.encoder(classes: 3, branches: .both, positional: true, tokens: true, seed: 1), false
            ),
            ("both, noise", try Self.encoder(classes: 3, branches: .both, tokens: true, seed: 2), true),
            (
                "dense only, linear attention", try Self.encoder(classes: 3, branches: .dense, sigmoid: false, seed: 3),
                false
            ),
            ("sparse only", try Self.encoder(classes: 3, branches: .sparse, seed: 5), false),
        ]
        for (name, encoder, noisy) in variants {
            let rows = [2, 0, 1]
            let noises: [Tensor?] = noisy ? rows.map { _ in noise.draw(shape: [64, 64, 256], random: random) } : []
            let batched = encoder.promptEmbeddings(
                embedding: embedding, classIndices: rows, noises: noises, positionalEncoding: positional)
            XCTAssertEqual(batched.count, rows.count)
            for (k, row) in rows.enumerated() {
                let single = encoder.forward(
                    TapeFree(), embedding: embedding, classIndex: row, noise: noisy ? noises[k] : nil,
                    positionalEncoding: positional)
                XCTAssertEqual(batched[k].sparse == nil, single.sparse == nil, name)
                XCTAssertEqual(batched[k].dense == nil, single.dense == nil, name)
                if let a = batched[k].sparse, let b = single.sparse {
                    XCTAssertEqual(a.shape, b.shape, name)
                    Self.assertClose(a.storage, b.storage, "\(name) sparse, class row \(row)")
                }
                if let a = batched[k].dense, let b = single.dense {
                    XCTAssertEqual(a.shape, b.shape, name)
                    Self.assertClose(a.storage, b.storage, "\(name) dense, class row \(row)")
                }
            }
            // The classes differ (a batched path that repeated one class would fail here).
            if let a = batched[0].dense, let b = batched[1].dense {
                XCTAssertGreaterThan(Fixtures.maxAbsDifference(a.storage, b.storage), 1e-3, name)
            }
        }
    }

    /// With LiteMedSAM's decoder: batched logits equal the one-class-at-a-time logits.
    func testModelLogitsEqualThePerClassPath() throws {
        let checkpoint = AutosegCommandTests.checkpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: checkpoint, verifyChecksum: false)
        let base = try LiteMedSAMModel(weights: store)
        let configuration = try AutoMedSAMConfiguration(
            classes: [1: "a", 2: "b", 4: "c"], branches: .both, classTokens: true)
        let encoder = try Self.encoder(classes: 3, branches: .both, tokens: true, seed: 11)
        let model = AutoMedSAMModel(
            configuration: configuration, classPromptEncoder: encoder, maskDecoder: base.maskDecoder, base: base)
        let embedding = Fixtures.embedding(seed: 12, sigma: 0.1)
        let ids = [4, 1, 2]
        let batched = try model.logits(embedding: embedding, classIDs: ids)
        let reference = try model.perClassLogits(embedding: embedding, classIDs: ids)
        XCTAssertEqual(batched.shape, [3, 1, 256, 256])
        Self.assertClose(batched.storage, reference.storage, "decoder logits")
        XCTAssertThrowsError(try model.logits(embedding: embedding, classIDs: [3]))
    }
}

/// `Convolution3x3Layer.applyInGEMMPrecision` on stacked images equals `apply` image by image (f32).
final class StackedConvolutionTests: XCTestCase {
    func testStackedPatchesEqualThePerImageConvolution() throws {
        let declarations = [
            ParameterDeclaration(key: "c.weight", shape: [5, 3, 3, 3]), ParameterDeclaration(key: "c.bias", shape: [5]),
        ]
        var store = WeightStore(Fixtures.randomWeights(declarations, seed: 21, scale: 0.5))
        let layer = try Convolution3x3Layer(&store, "c", in: 3, out: 5)
        let random = SeededRandom(seed: 22)
        let (images, height, width) = (3, 7, 6)
        let input = Tensor(
            shape: [images * height * width, 3],
            storage: (0..<(images * height * width * 3)).map { _ in Float(random.gaussian(sigma: 1)) })
        let stacked = layer.applyInGEMMPrecision(input, images: images, height: height, width: width)
        XCTAssertEqual(stacked.shape, [images * height * width, 5])
        for b in 0..<images {
            let span = (b * height * width * 3)..<((b + 1) * height * width * 3)
            let single = layer.apply(Tensor(shape: [height, width, 3], storage: Array(input.storage[span])))
            let part = Array(stacked.storage[(b * height * width * 5)..<((b + 1) * height * width * 5)])
            XCTAssertLessThanOrEqual(Fixtures.maxAbsDifference(part, single.storage), 1e-5, "image \(b)")
        }
        // A border pixel sees zero padding: its value differs from a shifted interior computation.
        XCTAssertNotEqual(stacked.storage[0], stacked.storage[5 * (width + 1)])
    }
}
