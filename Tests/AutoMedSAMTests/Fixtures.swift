import AutoMedSAM
import Foundation
import LiteMedSAM
import SAMLayers
import SAMTensor
import SeededSampling
import TorchCheckpoint
import XCTest

/// Random-weight fixtures: no checkpoint and no data needed.
enum Fixtures {
    /// Random values for every declaration (uniform ±`scale`), by key.
    static func randomWeights(_ declarations: [ParameterDeclaration], seed: UInt64, scale: Double = 0.1)
        -> [String: NamedWeight]
    {
        let random = SeededRandom(seed: seed)
        var out: [String: NamedWeight] = [:]
        for d in declarations {
            let count = d.shape.reduce(1, *)
            out[d.key] = NamedWeight(
                shape: d.shape, values: (0..<count).map { _ in Float(random.uniform(-scale, scale)) })
        }
        return out
    }

    /// The declarations of a class prompt encoder of `classes` classes and `branches`.
    static func encoderDeclarations(classes: Int, branches: PromptBranches) throws -> [ParameterDeclaration] {
        var placeholder = WeightStore.placeholder()
        return try ClassPromptEncoder(&placeholder, classCount: classes, branches: branches).parameterDeclarations
    }

    /// A LiteMedSAM prompt encoder + mask decoder state dict with random values (no image encoder).
    static func randomPromptAndDecoder(seed: UInt64) throws -> WeightStore {
        var placeholder = WeightStore.placeholder()
        let prompt = try PromptEncoder(&placeholder)
        let decoder = try MaskDecoder(&placeholder)
        var weights = randomWeights(prompt.parameterDeclarations + decoder.parameterDeclarations, seed: seed)
        // LayerNorm weights near 1 keep activations in range.
        for (key, w) in weights where key.contains("norm") && key.hasSuffix(".weight") {
            weights[key] = NamedWeight(shape: w.shape, values: w.values.map { 1 + $0 })
        }
        return WeightStore(weights)
    }

    /// A random `[64, 64, 256]` tensor (Gaussian, σ = `sigma`).
    static func embedding(seed: UInt64, sigma: Double = 0.5) -> Tensor {
        let random = SeededRandom(seed: seed)
        return Tensor(
            shape: [64, 64, 256], storage: (0..<(64 * 64 * 256)).map { _ in Float(random.gaussian(sigma: sigma)) })
    }

    /// The largest absolute difference of two equally long arrays.
    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// A fresh temporary folder.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("automedsam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
