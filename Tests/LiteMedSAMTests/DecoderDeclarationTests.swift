import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import XCTest

/// The decoder's declared parameters are the checkpoint's `mask_decoder.*` tensors, and its layers
/// give the same masks through the generic (any-context) entry points as through the inference one.
final class DecoderDeclarationTests: XCTestCase {
    func testDeclaredParametersAreTheCheckpointsDecoderTensors() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: CheckpointLocation.checkpoint)
        let declared = try ParityModel.model().maskDecoder.parameterDeclarations
        let declaredShapes = Dictionary(declared.map { ($0.key, $0.shape) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(declaredShapes.count, declared.count, "a key is declared twice")
        let checkpointKeys = store.keys.filter { $0.hasPrefix(MaskDecoder.defaultKey + ".") }
        XCTAssertEqual(Set(declaredShapes.keys), Set(checkpointKeys))
        for key in checkpointKeys {
            XCTAssertEqual(declaredShapes[key], store.shape(of: key), key)
        }
        XCTAssertTrue(declared.contains(ParameterDeclaration(key: "mask_decoder.mask_tokens.weight", shape: [4, 256])))
    }

    /// `features` / `hypernetworkOutputs` / `maskLogits` / `iouPredictions` in `TapeFree` reproduce the
    /// inference entry point (which decodes per prompt and reuses the same layers).
    func testGenericEntryPointsMatchInferenceDecoder() throws {
        let model = try ParityModel.model()
        let decoder = model.maskDecoder
        let embedding = try GoldenFixtures.tensor("syn_embedding")
        let nhwc = nchwToNHWC(embedding)
        let prompts = [Prompt(box: MaskDecoderParityTests.synBox), Prompt(box: MaskDecoderParityTests.ctBox)]
        let expected = model.decode(prompts, embedding: nhwc, selection: .all)

        let c = TapeFree()
        let dim = decoder.transformerDim
        let sparse = Tensor(
            shape: [2, 2, dim], storage: prompts.flatMap { model.promptEncoder.sparseEmbedding(for: $0) })
        let image = broadcast(nhwc.reshaped([1, 4096, dim]), model.promptEncoder.noMaskEmbed)
        let features = decoder.features(
            c, image: image, positionalEncoding: model.promptEncoder.densePositionalEncoding.reshaped([1, 4096, dim]),
            sparseTokens: sparse, batch: 2)
        let hyper = decoder.hypernetworkOutputs(c, features, maskTokenIndices: [0, 1, 2, 3])
        let logits = decoder.maskLogits(c, hypernetworkOutputs: hyper, features)
        let iou = decoder.iouPredictions(c, features)
        XCTAssertEqual(logits.shape, [2, 4, 65536])
        let logitError = logits.maxAbsDifference(expected.logits.reshaped([2, 4, 65536]))
        let iouError = iou.maxAbsDifference(expected.iouPredictions.reshaped([2, 1, 4]))
        print("generic vs inference decoder: max |Δlogit| = \(logitError), max |ΔIoU| = \(iouError)")
        XCTAssertLessThanOrEqual(logitError, 1e-4)
        XCTAssertLessThanOrEqual(iouError, 1e-6)
    }

    /// `[1, P, C]` plus the same `C`-vector at every position.
    private func broadcast(_ x: Tensor, _ vector: [Float]) -> Tensor {
        let width = vector.count
        return Tensor(shape: x.shape, storage: x.storage.enumerated().map { $0.element + vector[$0.offset % width] })
    }
}
