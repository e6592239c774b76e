import Foundation

/// Which PNG files of a folder are masks: the one rule used by `p2sam score`, `p2sam sample --raters`
/// and the `folder:` dataset reader.
///
/// - Raters: the files named `rater*.png` when there are any (the dataset layout, where `image.png`
///   sits beside them); otherwise every PNG except `image.png` and the pictures the tool writes.
/// - Samples: the files named `sample_*.png` when there are any (what `p2sam sample` writes, beside
///   its pictures); otherwise every PNG except `image.png` and the tool's pictures.
public enum MaskFiles {
    /// File names (lower case) of the images and pictures that are never masks: the case image and
    /// the heat maps, grids and overlays that `sample`, `segment`, `ursam` and `medsamu` write.
    public static let nonMaskNames: Set<String> = [
        "image.png", "frequency.png", "entropy.png", "grid.png", "overlay.png", "prompts.png",
        "entropy_initial.png", "entropy_refined.png",
    ]

    /// Rater masks of one case folder, in natural order (`rater2` before `rater10`).
    public static func raterFiles(in folder: URL) throws -> [URL] {
        try select(in: folder, preferredPrefix: "rater")
    }

    /// Sampled masks of one case folder, in natural order.
    public static func sampleFiles(in folder: URL) throws -> [URL] {
        try select(in: folder, preferredPrefix: "sample_")
    }

    /// Whether `url` names the case image or one of the tool's pictures.
    public static func isNonMask(_ url: URL) -> Bool {
        nonMaskNames.contains(url.lastPathComponent.lowercased())
    }

    private static func select(in folder: URL, preferredPrefix: String) throws -> [URL] {
        let files = try ImageFiles.pngFiles(in: folder)
        let named = files.filter { $0.lastPathComponent.lowercased().hasPrefix(preferredPrefix) }
        return named.isEmpty ? files.filter { !isNonMask($0) } : named
    }
}
