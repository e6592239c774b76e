import Foundation
import LiteMedSAM
import P2SAM
import SAMAutograd
import SAMLayers
import SAMTensor

/// Model files and the training `ParameterSet`: what a stage writes, and reading a file back as trainable
/// parameters (through the one reader, `P2SAMModelFile(contentsOf:)`).
extension P2SAMModelFile {
    /// A model file read back as trainable parameters against the LiteMedSAM backbone.
    public struct Trainable {
        public var configuration: P2SAMConfiguration
        public var parameters: ParameterSet
        public var metadata: [String: String]
        public var stage: Int
    }

    /// The parameters that belong in a stage-`stage` file: stage 1 has no PGN/Fcomb.
    public static func parameters(of set: ParameterSet, stage: Int) -> [Parameter] {
        stage == 1 ? set.all.filter { !P2SAMLayers.isStageTwoKey($0.name) } : set.all
    }

    /// Writes the stage-`stage` parameters of `set` atomically. The metadata's `lora_rank` is set from the
    /// set's LoRA factors (removed when it has none), so file and metadata always agree.
    public static func write(_ set: ParameterSet, stage: Int, metadata: [String: String], to url: URL) throws {
        var metadata = metadata
        metadata[loraRankKey] = LoRAParameters.rank(of: set).map(String.init)
        try write(parameters(of: set, stage: stage).map { ($0.name, $0.value) }, metadata: metadata, to: url)
    }

    /// Reads a model file strictly as trainable parameters: it must be a model made from the checkpoint
    /// with `baseCheckpointSHA256`, with a `stage`, and its tensors must be exactly the keys and shapes the
    /// contract prescribes for its stage, injection and LoRA rank (built from `store`, LiteMedSAM's state dict).
    ///
    /// - Throws: `P2SAMTrainingError.invalidModel` naming the first mismatch.
    public static func readTrainable(_ url: URL, backbone store: WeightStore, baseCheckpointSHA256: String) throws
        -> Trainable
    {
        let file: P2SAMModelFile
        do {
            file = try P2SAMModelFile(contentsOf: url)
        } catch let error as P2SAMModelError {
            throw P2SAMTrainingError.invalidModel(error.description)
        }
        guard let stage = file.stage else {
            throw P2SAMTrainingError.invalidModel("\(url.path): metadata stage must be 1 or 2")
        }
        if let base = file.metadata["base_checkpoint_sha256"], base != baseCheckpointSHA256 {
            throw P2SAMTrainingError.invalidModel(
                "\(url.path) was trained on LiteMedSAM checkpoint \(base.prefix(12))…, not on the loaded backbone \(baseCheckpointSHA256.prefix(12))…"
            )
        }
        let configuration = file.configuration
        let set = try ModelInitialisation.stageOne(from: store, configuration: configuration, seed: 0)
        if let rank = file.loraRank { LoRAParameters.add(to: set, rank: rank, seed: 0) }
        if stage == 2 { ModelInitialisation.addStageTwoModules(to: set, configuration: configuration, seed: 0) }
        let expected = parameters(of: set, stage: stage)
        let names = Set(expected.map(\.name))
        let missing = expected.map(\.name).filter { file.tensors[$0] == nil }
        let unexpected = file.tensors.keys.filter { !names.contains($0) }.sorted()
        if !missing.isEmpty || !unexpected.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("missing \(missing.count) key(s): \(missing.prefix(5).joined(separator: ", "))")
            }
            if !unexpected.isEmpty {
                parts.append("unexpected \(unexpected.count) key(s): \(unexpected.prefix(5).joined(separator: ", "))")
            }
            let kind = file.loraRank.map { " LoRA rank-\($0)" } ?? ""
            throw P2SAMTrainingError.invalidModel(
                "\(url.path) does not match a stage-\(stage) \(configuration.injection.rawValue)\(kind) model on this backbone: "
                    + parts.joined(separator: "; "))
        }
        for parameter in expected {
            let tensor = file.tensors[parameter.name]!
            guard tensor.shape == parameter.value.shape else {
                throw P2SAMTrainingError.invalidModel(
                    "\(url.path): '\(parameter.name)' has shape \(tensor.shape), the backbone needs \(parameter.value.shape)"
                )
            }
            parameter.value = tensor
        }
        return Trainable(configuration: configuration, parameters: set, metadata: file.metadata, stage: stage)
    }
}
