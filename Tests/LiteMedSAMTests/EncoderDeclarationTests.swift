import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import XCTest

/// The image encoder's declared parameters are the checkpoint's `image_encoder.*` tensors (every
/// `Conv2d_BN` with its real `.c` / `.bn` keys), and a LoRA-adapted encoder adds exactly its factors.
final class EncoderDeclarationTests: XCTestCase {
    func testDeclaredParametersAreTheCheckpointsEncoderTensors() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let store = try LiteMedSAMCheckpoint.weights(at: CheckpointLocation.checkpoint)
        let declared = try ParityModel.model().imageEncoder.parameterDeclarations
        let declaredShapes = Dictionary(declared.map { ($0.key, $0.shape) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(declaredShapes.count, declared.count, "a key is declared twice")
        let checkpointKeys = store.keys.filter {
            $0.hasPrefix(TinyViTEncoder.defaultKey + ".")
                && !WeightStore.ignoredKeySuffixes.contains(where: $0.hasSuffix)
        }
        XCTAssertEqual(checkpointKeys.count, 271)
        XCTAssertEqual(Set(declaredShapes.keys), Set(checkpointKeys))
        for key in checkpointKeys {
            XCTAssertEqual(declaredShapes[key], store.shape(of: key), key)
        }
        // 5,726,740 parameters plus the BatchNorm running statistics (2 x 4,928 channels).
        XCTAssertEqual(declared.reduce(0) { $0 + $1.shape.reduce(1, *) }, 5_726_740 + 2 * 4_928)
        for expected in [
            ParameterDeclaration(key: "image_encoder.layers.1.downsample.conv2.c.weight", shape: [160, 1, 3, 3]),
            ParameterDeclaration(key: "image_encoder.layers.1.downsample.conv2.bn.running_var", shape: [160]),
            ParameterDeclaration(key: "image_encoder.layers.2.blocks.0.attn.attention_biases", shape: [5, 196]),
            ParameterDeclaration(key: "image_encoder.neck.2.weight", shape: [256, 256, 3, 3]),
        ] {
            XCTAssertTrue(declared.contains(expected), "\(expected)")
        }
    }

    /// With `loraRank`, the encoder reads (and declares) exactly the factors of `loraLayouts`; zero `B`
    /// factors leave every tape-free weight, hence the embedding, unchanged.
    func testLoRAAdaptedEncoderDeclaresItsFactors() throws {
        guard FileManager.default.fileExists(atPath: CheckpointLocation.checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
        let plain = try ParityModel.model().imageEncoder
        var store = try LiteMedSAMCheckpoint.weights(at: CheckpointLocation.checkpoint)
        let layouts = TinyViTEncoder.loraLayouts()
        XCTAssertEqual(layouts.count, 10)
        XCTAssertEqual(layouts[0].key, "image_encoder.layers.1.blocks.0.attn.qkv")
        let factors = layouts.flatMap { $0.factorDeclarations(rank: 2) }
        XCTAssertEqual(factors.count, 40)
        for factor in factors {
            let count = factor.shape.reduce(1, *)
            let values =
                factor.key.hasSuffix(".a") ? (0..<count).map { Float($0 % 7) - 3 } : [Float](repeating: 0, count: count)
            try store.insert(factor.key, NamedWeight(shape: factor.shape, values: values))
        }
        let adapted = try TinyViTEncoder(&store, loraRank: 2)
        XCTAssertEqual(
            adapted.parameterDeclarations,
            plain.parameterDeclarations.flatMap { declaration in
                [declaration]
                    + (declaration.key.hasSuffix(".attn.qkv.bias")
                        ? factors.filter { $0.key.hasPrefix(declaration.key.dropLast(".bias".count) + ".") } : [])
            })
        XCTAssertTrue(factors.allSatisfy(\.key.isLoRAFactor))
        XCTAssertFalse("image_encoder.layers.1.blocks.0.attn.qkv.weight".isLoRAFactor)
        let input = try GoldenFixtures.tensor("syn_input").reshaped([3, 256, 256])
        XCTAssertEqual(adapted(input), try ParityModel.syntheticEncoding.get().embedding)
    }
}

extension String {
    fileprivate var isLoRAFactor: Bool { LoRALinearLayer.isFactorKey(self) }
}
