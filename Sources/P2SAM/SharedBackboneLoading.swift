import Foundation
import LiteMedSAM
import SAMLayers

extension P2SAMModel {
    /// Loads several model files (for example a mixture's components) on one backbone: `lite_medsam.pth` is read
    /// (and its digest checked) once, and the models without a LoRA-adapted encoder share one built encoder, so K
    /// files cost one encoder in memory and one backbone read instead of K. One file loads exactly as
    /// `init(modelFile:backbone:verifyBackboneChecksum:)`.
    ///
    /// - Parameters:
    ///   - files: the P²SAM `.safetensors` files, in the order the models are returned.
    ///   - backbone: `lite_medsam.pth`; nil searches for it (`LiteMedSAMCheckpoint.locate()`).
    ///   - verifyBackboneChecksum: require the published checkpoint's sha256.
    /// - Returns: one model per file, in order.
    public static func load(
        files: [URL], backbone: URL? = nil, verifyBackboneChecksum: Bool = true
    ) throws -> [P2SAMModel] {
        let modelFiles = try files.map { try P2SAMModelFile(contentsOf: $0) }
        var weights: WeightStore? = try LiteMedSAMCheckpoint.weights(
            at: backbone ?? LiteMedSAMCheckpoint.locate(), verifyChecksum: verifyBackboneChecksum)
        var sharedEncoder: TinyViTEncoder? = nil
        var models: [P2SAMModel] = []
        for (index, file) in modelFiles.enumerated() {
            if file.loraRank == nil, let sharedEncoder {
                models.append(try P2SAMModel(file: file, imageEncoder: sharedEncoder))
                continue
            }
            // The backbone's weights are handed over (not kept) once no later file needs them, so the encoder
            // takes them without a second copy in memory.
            let laterNeedsBackbone = modelFiles[(index + 1)...].contains { $0.loraRank != nil }
            let store = laterNeedsBackbone ? weights! : weights.take()!
            let model = try P2SAMModel(file: file, backbone: consume store)
            if file.loraRank == nil { sharedEncoder = model.imageEncoder }
            models.append(model)
        }
        return models
    }
}
