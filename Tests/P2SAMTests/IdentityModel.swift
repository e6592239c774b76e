import Foundation
import LiteMedSAM
import P2SAM
import SAMLayers
import SAMTensor
import XCTest

/// Test models built from lite_medsam.pth per docs/p2sam-model.md: tokens 1…8 copy token 0
/// exactly (no noise), w = 1/8, a small random PGN with σ fixed at 0.5, and (dense) an Fcomb whose
/// last layer is zero with bias `no_mask_embed`, so the latent has no effect on the output.
enum IdentityModel {
    static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models/lite_medsam.pth")

    static func requireCheckpoint() throws {
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw XCTSkip("Models/lite_medsam.pth is missing: run scripts/fetch-checkpoint.sh")
        }
    }

    /// Deterministic pseudo-random values in [-scale, scale].
    static func noise(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
    }

    static func parameters(injection: LatentInjection, widths: [Int] = [4, 4, 4, 4]) throws -> [String: NamedWeight] {
        let store = try LiteMedSAMCheckpoint.weights(at: checkpoint)
        var out: [String: NamedWeight] = [:]
        var probe = store
        for key in store.keys where key.hasPrefix("prompt_encoder.") || key.hasPrefix("mask_decoder.") {
            let shape = store.shape(of: key)!
            out[key] = NamedWeight(shape: shape, values: try probe.take(key, shape: shape))
        }
        let token0 = Array(out["mask_decoder.mask_tokens.weight"]!.values[0..<256])
        out["mask_decoder.mask_tokens.weight"] = NamedWeight(shape: [9, 256], values: (0..<9).flatMap { _ in token0 })
        for i in 4..<9 {
            for layer in 0..<3 {
                for part in ["weight", "bias"] {
                    let source = out["mask_decoder.output_hypernetworks_mlps.0.layers.\(layer).\(part)"]!
                    out["mask_decoder.output_hypernetworks_mlps.\(i).layers.\(layer).\(part)"] = source
                }
            }
        }
        for i in 1..<4 {
            for layer in 0..<3 {
                for part in ["weight", "bias"] {
                    out["mask_decoder.output_hypernetworks_mlps.\(i).layers.\(layer).\(part)"] = out[
                        "mask_decoder.output_hypernetworks_mlps.0.layers.\(layer).\(part)"]!
                }
            }
        }
        let iouWeight = out["mask_decoder.iou_prediction_head.layers.2.weight"]!.values
        out["mask_decoder.iou_prediction_head.layers.2.weight"] = NamedWeight(
            shape: [9, 256], values: (0..<9).flatMap { _ in Array(iouWeight[0..<256]) })
        let iouBias = out["mask_decoder.iou_prediction_head.layers.2.bias"]!.values
        out["mask_decoder.iou_prediction_head.layers.2.bias"] = NamedWeight(
            shape: [9], values: [Float](repeating: iouBias[0], count: 9))
        out["p2sam.assembling_weights"] = NamedWeight(shape: [8], values: [Float](repeating: 0.125, count: 8))
        var inChannels = 1
        for (b, width) in widths.enumerated() {
            for c in 0..<3 {
                out["pgn.blocks.\(b).convs.\(c).weight"] = NamedWeight(
                    shape: [width, inChannels, 3, 3],
                    values: noise(width * inChannels * 9, seed: UInt64(10 * b + c), scale: 0.3))
                out["pgn.blocks.\(b).convs.\(c).bias"] = NamedWeight(
                    shape: [width], values: noise(width, seed: UInt64(100 + 10 * b + c), scale: 0.1))
                inChannels = width
            }
        }
        // μ rows random, log σ rows zero: σ = exp(bias) = 0.5 for every image.
        out["pgn.head.weight"] = NamedWeight(
            shape: [512, inChannels],
            values: noise(256 * inChannels, seed: 7, scale: 0.5) + [Float](repeating: 0, count: 256 * inChannels))
        out["pgn.head.bias"] = NamedWeight(
            shape: [512], values: [Float](repeating: 0, count: 256) + [Float](repeating: log(0.5), count: 256))
        if injection == .dense {
            let noMask = out["prompt_encoder.no_mask_embed.weight"]!.values
            for i in 0..<4 {
                let inFeatures = i == 0 ? 512 : 256
                out["fcomb.layers.\(i).weight"] = NamedWeight(
                    shape: [256, inFeatures],
                    values: i == 3
                        ? [Float](repeating: 0, count: 256 * 256)
                        : noise(256 * inFeatures, seed: UInt64(200 + i), scale: 0.05))
                out["fcomb.layers.\(i).bias"] = NamedWeight(
                    shape: [256], values: i == 3 ? noMask : [Float](repeating: 0, count: 256))
            }
        }
        return out
    }

    static func metadata(injection: LatentInjection, prompt: DefaultPrompt = .fullBox, widths: [Int] = [4, 4, 4, 4])
        -> [String: String]
    {
        var m = P2SAMConfiguration(injection: injection, defaultPrompt: prompt, pgnWidths: widths).metadata
        m["base_checkpoint_sha256"] = LiteMedSAMCheckpoint.officialSHA256
        return m
    }

    /// LiteMedSAM's image encoder from the checkpoint (skips the test when Models/lite_medsam.pth is missing).
    static func encoder() throws -> TinyViTEncoder {
        try requireCheckpoint()
        var backbone = try LiteMedSAMCheckpoint.weights(at: checkpoint)
        return try TinyViTEncoder(&backbone)
    }

    /// `parameters(injection:)` as the tensors of a model file.
    /// Gives an identity model a box proposal: `box_proposal.offset` = `offset` (corner order), every corner's
    /// σ = `deviation` px, and the metadata key that switches the proposal on.
    static func addBoxProposal(
        to tensors: inout [String: Tensor], metadata: inout [String: String], offset: [Float] = [-3, -3, 3, 3],
        deviation: Float = 4
    ) {
        tensors["box_proposal.offset"] = Tensor(shape: [4], storage: offset)
        tensors["box_proposal.log_std"] = Tensor(shape: [4], storage: [Float](repeating: log(deviation), count: 4))
        metadata[P2SAMConfiguration.boxProposalKey] = P2SAMConfiguration.boxProposalName
    }

    static func tensors(injection: LatentInjection) throws -> [String: Tensor] {
        try parameters(injection: injection).mapValues { Tensor(shape: $0.shape, storage: $0.values) }
    }

    static func model(injection: LatentInjection) throws -> P2SAMModel {
        let file = try P2SAMModelFile(tensors: tensors(injection: injection), metadata: metadata(injection: injection))
        return try P2SAMModel(file: file, imageEncoder: encoder())
    }
}
