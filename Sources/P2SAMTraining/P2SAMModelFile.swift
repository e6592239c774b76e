import Foundation
import LiteMedSAM
import SAMAutograd
import SAMTensor
import TorchCheckpoint

/// Reading and writing P²SAM model files (safetensors, F32; keys and metadata of `docs/p2sam-model.md`).
public enum P2SAMModelFile {
    public static let format = "p2sam-v1"

    /// The contract's metadata for a model.
    public static func metadata(configuration: P2SAMConfiguration, stage: Int, baseCheckpointSHA256: String,
                                dataset: String, split: String, epochs: Int, seed: UInt64, notes: String) -> [String: String] {
        [
            "format": format,
            "injection": configuration.injection.rawValue,
            "pgn_widths": configuration.pgnWidths.map(String.init).joined(separator: ","),
            "latent_dim": String(configuration.latentDim),
            "prompt": configuration.prompt.rawValue,
            "base_checkpoint_sha256": baseCheckpointSHA256,
            "stage": String(stage),
            "dataset": dataset,
            "split": split,
            "epochs": String(epochs),
            "seed": String(seed),
            "notes": notes,
        ]
    }

    /// The parameters that belong in a stage-`stage` file: stage 1 has no PGN/Fcomb.
    public static func parameters(of set: ParameterSet, stage: Int) -> [Parameter] {
        stage == 1 ? set.all.filter { !$0.name.hasPrefix("pgn.") && !$0.name.hasPrefix("fcomb.") } : set.all
    }

    /// Writes the model atomically. The metadata's `lora_rank` is set from the set's LoRA factors
    /// (removed when it has none), so file and metadata always agree.
    public static func write(_ set: ParameterSet, stage: Int, metadata: [String: String], to url: URL) throws {
        var metadata = metadata
        metadata[TinyViTLoRA.metadataKey] = LoRAParameters.rank(of: set).map(String.init)
        try Safetensors.save(parameters(of: set, stage: stage), to: url, metadata: metadata)
    }

    /// A model file read back against the LiteMedSAM backbone.
    public struct Loaded {
        public var configuration: P2SAMConfiguration
        public var parameters: ParameterSet
        public var metadata: [String: String]
        public var stage: Int
    }

    /// Reads a model file strictly: its metadata must be a `p2sam-v1` model made from the checkpoint with
    /// `baseCheckpointSHA256`, and its tensors must be exactly the keys and shapes the contract prescribes
    /// for its stage and injection (built from `store`, LiteMedSAM's state dict).
    ///
    /// - Throws: `P2SAMTrainingError.invalidModel` naming the first mismatch.
    public static func read(_ url: URL, backbone store: WeightStore, baseCheckpointSHA256: String) throws -> Loaded {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw P2SAMTrainingError.invalidModel("\(url.path): no such file")
        }
        let file: SafetensorsFile
        do { file = try Safetensors.read(contentsOf: url, rejectingNonFinite: true) } catch {
            throw P2SAMTrainingError.invalidModel("\(url.path): \(error)")
        }
        let meta = file.metadata
        guard meta["format"] == format else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata format is \(meta["format"].map { "'\($0)'" } ?? "missing"), expected '\(format)'")
        }
        guard let injection = meta["injection"].flatMap(Injection.init(rawValue:)) else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata injection must be dense or sparse")
        }
        guard let prompt = meta["prompt"].flatMap(DefaultPrompt.init(rawValue:)) else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata prompt must be none or full-box")
        }
        let widths = (meta["pgn_widths"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard widths.count == 4, widths.allSatisfy({ $0 > 0 }) else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata pgn_widths must be 4 positive integers")
        }
        guard meta["latent_dim"] == "256" else { throw P2SAMTrainingError.invalidModel("\(url.path): latent_dim must be 256") }
        guard let stage = meta["stage"].flatMap(Int.init), stage == 1 || stage == 2 else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata stage must be 1 or 2")
        }
        if let base = meta["base_checkpoint_sha256"], base != baseCheckpointSHA256 {
            throw P2SAMTrainingError.invalidModel("\(url.path) was trained on LiteMedSAM checkpoint \(base.prefix(12))…, not on the loaded backbone \(baseCheckpointSHA256.prefix(12))…")
        }
        var loraRank: Int?
        if let text = meta[TinyViTLoRA.metadataKey] {
            guard let r = Int(text), r >= 1 else {
                throw P2SAMTrainingError.invalidModel("\(url.path): metadata \(TinyViTLoRA.metadataKey) must be a positive integer, found '\(text)'")
            }
            loraRank = r
        } else if let key = file.tensors.keys.sorted().first(where: LoRAParameters.isFactor) {
            throw P2SAMTrainingError.invalidModel("\(url.path) has LoRA tensors (e.g. '\(key)') but no '\(TinyViTLoRA.metadataKey)' metadata")
        }
        let configuration = P2SAMConfiguration(injection: injection, prompt: prompt, pgnWidths: widths)
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 0)
        if let loraRank { LoRAParameters.add(to: set, rank: loraRank, seed: 0) }
        if stage == 2 { ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 0) }
        let expected = parameters(of: set, stage: stage)
        let names = Set(expected.map(\.name))
        let missing = expected.map(\.name).filter { file.tensors[$0] == nil }
        let unexpected = file.tensors.keys.filter { !names.contains($0) }.sorted()
        if !missing.isEmpty || !unexpected.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count) key(s): \(missing.prefix(5).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count) key(s): \(unexpected.prefix(5).joined(separator: ", "))") }
            let kind = loraRank.map { " LoRA rank-\($0)" } ?? ""
            throw P2SAMTrainingError.invalidModel("\(url.path) does not match a stage-\(stage) \(injection.rawValue)\(kind) model on this backbone: " + parts.joined(separator: "; "))
        }
        for p in expected {
            let t = file.tensors[p.name]!
            guard t.shape == p.value.shape else {
                throw P2SAMTrainingError.invalidModel("\(url.path): '\(p.name)' has shape \(t.shape), the backbone needs \(p.value.shape)")
            }
            p.value = t
        }
        return Loaded(configuration: configuration, parameters: set, metadata: meta, stage: stage)
    }
}
