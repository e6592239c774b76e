import Foundation
import LiteMedSAM
import MultiRaterData
import P2SAMTraining
import SAMAutograd
import SAMLayers
import SAMTensor
import SeededSampling
import XCTest

/// The recorded TinyViT (from the `layers.0` output, `Recording`) against the tape-free encoder, with and
/// without LoRA, and the LoRA factors' gradients against finite differences.
final class LoRAEncoderTests: XCTestCase {
    /// A LoRA parameter set with random nonzero A and B (B's scale keeps the update visible but small).
    func randomLoRA(rank: Int, seed: UInt64, scaleB: Double = 0.05) -> ParameterSet {
        let set = ParameterSet()
        LoRAParameters.add(to: set, rank: rank, seed: seed)
        let random = SeededRandom(seed: seed &+ 99)
        for name in set.names where name.hasSuffix(".b") {
            let p = set[name]
            p.value = Tensor(
                shape: p.value.shape, storage: (0..<p.value.count).map { _ in Float(random.gaussian(sigma: scaleB)) })
        }
        return set
    }

    func embedding(_ encoder: RecordedImageEncoder, _ layerZero: Tensor) -> Tensor {
        let graph = Graph()
        return encoder.embedding(on: graph, fromLayerZeroOutput: layerZero).value
    }

    func testParityWithTheInferenceEncoderWithAndWithoutLoRA() throws {
        let store = try TestCheckpoint.weights()
        let inference = try LiteMedSAMModel(weights: store).imageEncoder
        let input = Tensor(shape: [3, 256, 256], storage: try SyntheticInputs.modelInput(seed: 3))
        let layerZero = inference.layerZeroOutput(input)
        XCTAssertEqual(layerZero.shape, [128, 128, 128])
        let expected = inference(input)
        XCTAssertEqual(
            inference.embedding(fromLayerZeroOutput: layerZero), expected, "split encoder differs from the whole")

        // B = 0 (the initialisation): the plain encoder.
        let initial = ParameterSet()
        LoRAParameters.add(to: initial, rank: 4, seed: 1)
        XCTAssertEqual(initial.scalarCount, 4 * 4 * (2 * 128 + 6 * 160 + 2 * 320))  // 29,696
        let plain = embedding(try RecordedImageEncoder(backbone: store, lora: initial), layerZero)
        XCTAssertEqual(plain.shape, [64, 64, 256])
        let plainError = plain.maxAbsDifference(expected)
        print("recorded TinyViT (B = 0) vs tape-free: max |Δ| = \(plainError)")
        XCTAssertLessThan(plainError, 1e-4)

        // Random A and B: the inference encoder with W + B·A merged into the q and v rows.
        let lora = randomLoRA(rank: 4, seed: 5)
        let merged = try LoRAParameters.encoder(backbone: store, adaptedBy: lora)
        XCTAssertEqual(merged.loraRank, 4)
        let mergedExpected = merged(input)
        let adapted = embedding(try RecordedImageEncoder(backbone: store, lora: lora), layerZero)
        let shift = adapted.maxAbsDifference(expected)
        let mergeError = adapted.maxAbsDifference(mergedExpected)
        print(
            "LoRA (random B): shift from the plain encoder \(shift), vs merged inference encoder max |Δ| = \(mergeError)"
        )
        XCTAssertGreaterThan(shift, 1e-2, "the LoRA update has no visible effect")
        XCTAssertLessThan(mergeError, 1e-4)
    }

    /// The merge touches only the q and v rows, head-interleaved.
    func testMergeLayoutOnOneBlock() throws {
        let lora = randomLoRA(rank: 2, seed: 8)
        let site = TinyViTEncoder.loraLayouts()[0]  // dim 128, 4 heads of 32
        XCTAssertEqual(site.key, "image_encoder.layers.1.blocks.0.attn.qkv")
        let delta = site.weightUpdate(rank: 2) { lora[$0].value.storage }
        let (dim, keyDim) = (site.inFeatures, site.inFeatures / site.groups)
        let aq = lora["\(site.key).lora_q.a"].value.storage
        let bq = lora["\(site.key).lora_q.b"].value.storage
        let av = lora["\(site.key).lora_v.a"].value.storage
        let bv = lora["\(site.key).lora_v.b"].value.storage
        for h in 0..<site.groups {
            for i in [0, keyDim - 1] {
                let channel = h * keyDim + i
                let col = 7
                let q = (0..<2).reduce(Float(0)) { $0 + bq[channel * 2 + $1] * aq[$1 * dim + col] }
                let v = (0..<2).reduce(Float(0)) { $0 + bv[channel * 2 + $1] * av[$1 * dim + col] }
                XCTAssertEqual(delta[(h * 3 * keyDim + i) * dim + col], q, accuracy: 1e-6)
                XCTAssertEqual(delta[(h * 3 * keyDim + keyDim + i) * dim + col], 0)
                XCTAssertEqual(delta[(h * 3 * keyDim + 2 * keyDim + i) * dim + col], v, accuracy: 1e-6)
            }
        }
    }

    /// Central differences on a few elements of A and B against the autograd gradient of
    /// `L = Σ R ⊙ embedding` on a small 16x16 `layers.1` input.
    func testLoRAGradientsMatchFiniteDifferences() throws {
        let store = try TestCheckpoint.weights()
        let random = SeededRandom(seed: 21)
        let layerZero = Tensor(
            shape: [16, 16, 128], storage: (0..<(16 * 16 * 128)).map { _ in Float(random.gaussian(sigma: 1)) })
        let weights = Tensor(
            shape: [8, 8, 256], storage: (0..<(8 * 8 * 256)).map { _ in Float(random.uniform(-1, 1)) })
        let lora = randomLoRA(rank: 4, seed: 11, scaleB: 0.1)
        for p in lora.all { p.requiresGradient = true }
        let encoder = try RecordedImageEncoder(backbone: store, lora: lora)
        func objective() -> Double {
            let out = embedding(encoder, layerZero)
            return zip(out.storage, weights.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let graph = Graph()
        let out = encoder.embedding(on: graph, fromLayerZeroOutput: layerZero)
        XCTAssertEqual(out.shape, [8, 8, 256])
        lora.all.zeroGradients()
        graph.backward(from: (out * graph.constant(weights)).sum())

        let checked = [
            "image_encoder.layers.1.blocks.0.attn.qkv.lora_q.a", "image_encoder.layers.1.blocks.1.attn.qkv.lora_v.b",
            "image_encoder.layers.2.blocks.3.attn.qkv.lora_q.b", "image_encoder.layers.3.blocks.1.attn.qkv.lora_v.a",
        ]
        var worst = 0.0
        for name in checked {
            let p = lora[name]
            let gradient = try XCTUnwrap(p.gradient, "\(name) got no gradient")
            // The entry with the largest gradient (signal well above float32 noise) and two fixed ones.
            let largest = gradient.storage.indices.max { abs(gradient.storage[$0]) < abs(gradient.storage[$1]) }!
            for index in [largest, 0, p.value.count / 3] {
                let original = p.value.storage[index]
                let epsilon: Float = 1e-2
                p.value.storage[index] = original + epsilon
                let plus = objective()
                p.value.storage[index] = original - epsilon
                let minus = objective()
                p.value.storage[index] = original
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let analytic = Double(gradient.storage[index])
                let error = abs(analytic - numeric)
                print("  \(name)[\(index)]: analytic \(analytic), numeric \(numeric)")
                // Float32 forwards put ~1e-3 of noise on the numeric side; large entries must agree to 2 %.
                XCTAssertLessThanOrEqual(
                    error, 3e-3 + 2e-2 * abs(numeric), "\(name)[\(index)]: analytic \(analytic), numeric \(numeric)")
                if index == largest {
                    worst = max(worst, error / abs(numeric))
                    XCTAssertGreaterThan(abs(numeric), 1e-2, "\(name): largest gradient entry too small to check")
                }
            }
        }
        print("LoRA gradient check: worst relative error of the largest entries \(worst)")
    }
}

/// The whole encoder (from the image, `layers.0` included: `Conv2d_BN` folded on the tape) through
/// `Recording` with parameters built from its declarations, against the tape-free encoder.
final class RecordedEncoderTests: XCTestCase {
    func testRecordedWholeEncoderMatchesTapeFree() throws {
        let store = try TestCheckpoint.weights()
        var reading = store
        let encoder = try TinyViTEncoder(&reading)
        let parameters = ParameterSet()
        for declaration in encoder.parameterDeclarations {
            let values = try reading.take(declaration.key, shape: declaration.shape)
            parameters.add(declaration.key, Tensor(shape: declaration.shape, storage: values), trainable: false)
        }
        // A 64x64 image: windows of 7 and 14 pad at every stage (32², 16² and 16² maps).
        let random = SeededRandom(seed: 4)
        let image = Tensor(shape: [64, 64, 3], storage: (0..<(64 * 64 * 3)).map { _ in Float(random.uniform(0, 1)) })
        let tapeFree = TapeFree()
        let expected = encoder.embedding(tapeFree, fromLayerZeroOutput: encoder.layerZeroOutput(tapeFree, image))
        let graph = Graph()
        let recording = Recording(graph: graph, parameters: parameters)
        let recorded = withExtendedLifetime(graph) {
            encoder.embedding(
                recording, fromLayerZeroOutput: encoder.layerZeroOutput(recording, graph.constant(image))
            ).value
        }
        XCTAssertEqual(recorded.shape, [16, 16, 256])
        let error = recorded.maxAbsDifference(expected)
        print("recorded vs tape-free whole encoder (64x64 image): max |Δ| = \(error)")
        XCTAssertLessThan(error, 1e-4)
    }
}
