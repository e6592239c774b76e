import Foundation
import LiteMedSAM

/// Where a P²SAM model is found when none is named: the bundled default model.
public enum P2SAMModelLocation {
    /// The bundled default model's path inside the package.
    public static let bundledRelativePath = "Models/p2sam/default.safetensors"

    /// `$P2SAM_MODEL`, the per-user cache (`~/.cache/p2sam/p2sam/default.safetensors`), then
    /// `Models/p2sam/default.safetensors` here, in the package checkout or above the executable
    /// (`ModelSearch` gives the order).
    public static let search = ModelSearch(
        environmentVariable: "P2SAM_MODEL", relativePath: "p2sam/default.safetensors")

    /// The bundled model found by `search`; throws `ModelSearchError.notFound` listing every place looked.
    public static func locate() throws -> URL { try search.locate() }
}
