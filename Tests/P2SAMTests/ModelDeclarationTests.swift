import Foundation
import LiteMedSAM
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// The P²SAM layers declare exactly the tensors of a model file: the bundled default model's keys and shapes.
final class ModelDeclarationTests: XCTestCase {
    static let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(P2SAMModelLocation.bundledRelativePath)

    func testBundledModelTensorsAreTheDeclaredParameters() throws {
        try IdentityModel.requireCheckpoint()
        let file = try P2SAMModelFile(contentsOf: Self.bundled)
        XCTAssertNil(file.loraRank, "the bundled model has no encoder LoRA")
        let model = try P2SAMModel(modelFile: Self.bundled, backbone: IdentityModel.checkpoint)
        let declared = model.layers.parameterDeclarations
        XCTAssertEqual(declared.count, file.tensors.count)
        XCTAssertEqual(Set(declared.map(\.key)), Set(file.tensors.keys))
        for declaration in declared {
            XCTAssertEqual(file.tensors[declaration.key]?.shape, declaration.shape, declaration.key)
        }
        // The structure alone (a placeholder store) declares the same: keys do not depend on the values read.
        var placeholder = WeightStore.placeholder()
        let structure = try P2SAMLayers(&placeholder, configuration: file.configuration, stage: 2)
        XCTAssertEqual(structure.parameterDeclarations, declared)
    }
}
