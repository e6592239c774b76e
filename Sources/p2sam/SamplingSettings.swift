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

    /// A sampler of the model `choice` names, on the backbone `backbone` names, with these settings.
    func sampler(for choice: ModelChoice, backbone: ModelOptions) throws -> P2SAMSampler {
        let model = try P2SAMModel(
            modelFile: choice.url, backbone: backbone.checkpointURL, verifyBackboneChecksum: !backbone.skipChecksum)
        var sampler = P2SAMSampler(model: model)
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
