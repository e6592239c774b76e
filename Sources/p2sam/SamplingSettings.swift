import Foundation
import P2SAM

/// The P²SAM sampling options that `sample` and `evaluate` share (nil: the model's own setting), applied to a
/// sampler of each model a run uses.
struct SamplingSettings {
    var boxProposal: BoxProposalMode
    var presenceDraw: PresenceDraw?
    var presenceShift: Float?
    var latentTemperature: Float?
    /// Per-sample jitter fraction of a caller's box (checked by `SamplingOptionChecks.boxJitter`).
    var boxJitter: Double?
    var largestComponent: OnOff?
    /// Samples decoded together; nil: the sampler's default.
    var batchSize: Int? = nil

    /// A sampler of each file the choices name (one per model, a bundled mixture's components in order), in
    /// order, on the backbone `backbone` names, with these settings. The backbone is read (and its digest checked)
    /// once for all of them, and models without a LoRA-adapted encoder share its encoder (`P2SAMModel.load`).
    func samplers(for choices: [ModelChoice], backbone: ModelOptions) throws -> [P2SAMSampler] {
        try P2SAMModel.load(
            files: choices.flatMap(\.urls), backbone: backbone.checkpointURL,
            verifyBackboneChecksum: !backbone.skipChecksum
        ).map { try configured(P2SAMSampler(model: $0)) }
    }

    /// `sampler` with these settings applied.
    private func configured(_ sampler: P2SAMSampler) throws -> P2SAMSampler {
        var sampler = sampler
        if let batchSize { sampler.batchSize = batchSize }
        sampler.boxProposal = boxProposal
        sampler.presenceDraw = presenceDraw
        sampler.presenceLogitShift = presenceShift
        sampler.latentTemperature = latentTemperature
        sampler.boxJitter = try boxJitter.map(PromptBoxJitter.init(fraction:))
        sampler.keepsLargestComponent = largestComponent?.isOn
        return sampler
    }
}
