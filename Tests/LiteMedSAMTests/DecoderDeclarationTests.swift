import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import XCTest

/// The prompt encoder's and decoder's declared parameters are the checkpoint's `prompt_encoder.*` and
/// `mask_decoder.*` tensors, and the decoder's layers give the same masks through the generic (any-context)
/// entry points as through the inference one.
final class DecoderDeclarationTests: XCTestCase {
    /// `declared` are the checkpoint's tensors under `prefix`: the same keys, each declared once, with the same
    /// shapes.
    private func assertDeclarations(
        _ declared: [ParameterDeclaration], areTheTensorsUnder prefix: String, of store: WeightStore,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let declaredShapes = Dictionary(declared.map { ($0.key, $0.shape) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(declaredShapes.count, declared.count, "a key is declared twice", file: file, line: line)
        let checkpointKeys = store.keys.filter { $0.hasPrefix(prefix + ".") }
        XCTAssertEqual(Set(declaredShapes.keys), Set(checkpointKeys), file: file, line: line)
        for key in checkpointKeys {
            XCTAssertEqual(declaredShapes[key], store.shape(of: key), key, file: file, line: line)
        }
    }

    func testDeclaredParametersAreTheCheckpointsPromptEncoderAndDecoderTensors() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: CheckpointLocation.checkpoint)
        let model = try ParityModel.model()
        assertDeclarations(
            model.promptEncoder.parameterDeclarations, areTheTensorsUnder: PromptEncoder.defaultKey, of: store)
        assertDeclarations(
            model.maskDecoder.parameterDeclarations, areTheTensorsUnder: MaskDecoder.defaultKey, of: store)
        XCTAssertEqual(model.promptEncoder.parameterDeclarations.count, 17)
        XCTAssertTrue(
            model.maskDecoder.parameterDeclarations.contains(
                ParameterDeclaration(key: "mask_decoder.mask_tokens.weight", shape: [4, 256])))
        XCTAssertTrue(
            model.promptEncoder.parameterDeclarations.contains(
                ParameterDeclaration(
                    key: "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", shape: [2, 128])))
        XCTAssertEqual(
            Set(PromptEncoder.learnedEmbeddingWeightKeys()),
            Set(
                (model.promptEncoder.pointEmbeddings + [
                    model.promptEncoder.notAPointEmbedding, model.promptEncoder.noMaskEmbedding,
                ]).map(\.weightKey)))
    }

    /// A prompt encoder built from a placeholder store declares the same keys and shapes as one read from the
    /// checkpoint (what training relies on to initialise parameters before weights exist).
    func testPlaceholderStoreGivesTheSameDeclarations() throws {
        var placeholder = WeightStore.placeholder()
        let structure = try PromptEncoder(&placeholder)
        let decoder = try MaskDecoder(&placeholder)
        let model = try ParityModel.model()
        XCTAssertEqual(structure.parameterDeclarations, model.promptEncoder.parameterDeclarations)
        XCTAssertEqual(decoder.parameterDeclarations, model.maskDecoder.parameterDeclarations)
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
