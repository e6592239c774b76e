import MultiRaterMetrics

/// One of the eight symmetries of the pixel grid (the dihedral group of the square), applied to an image and all
/// of its rater masks alike. Views that swap the axes (`transpose`, `rotate90`, `rotate270`, `antiTranspose`)
/// turn a W×H case into an H×W one.
public enum GeometricView: String, Sendable, CaseIterable {
    case identity
    /// Mirrored left to right: pixel (x, y) comes from (W − 1 − x, y).
    case flipHorizontal = "flip-h"
    /// Mirrored top to bottom: pixel (x, y) comes from (x, H − 1 − y).
    case flipVertical = "flip-v"
    /// Both flips (a half turn): pixel (x, y) comes from (W − 1 − x, H − 1 − y).
    case rotate180 = "rot180"
    /// Rows become columns: pixel (x, y) comes from (y, x).
    case transpose
    /// A quarter turn clockwise: pixel (x, y) comes from (y, H − 1 − x).
    case rotate90 = "rot90"
    /// A quarter turn counter-clockwise: pixel (x, y) comes from (W − 1 − y, x).
    case rotate270 = "rot270"
    /// Mirrored about the anti-diagonal: pixel (x, y) comes from (W − 1 − y, H − 1 − x).
    case antiTranspose = "anti-transpose"

    /// Whether the view swaps width and height.
    public var swapsAxes: Bool {
        switch self {
        case .identity, .flipHorizontal, .flipVertical, .rotate180: false
        case .transpose, .rotate90, .rotate270, .antiTranspose: true
        }
    }

    /// The source pixel of view pixel (x, y), for a source of `width` × `height` pixels.
    func source(x: Int, y: Int, width: Int, height: Int) -> (x: Int, y: Int) {
        switch self {
        case .identity: (x, y)
        case .flipHorizontal: (width - 1 - x, y)
        case .flipVertical: (x, height - 1 - y)
        case .rotate180: (width - 1 - x, height - 1 - y)
        case .transpose: (y, x)
        case .rotate90: (y, height - 1 - x)
        case .rotate270: (width - 1 - y, x)
        case .antiTranspose: (width - 1 - y, height - 1 - x)
        }
    }

    /// The view's size for a source of `width` × `height` pixels.
    func size(width: Int, height: Int) -> (width: Int, height: Int) {
        swapsAxes ? (height, width) : (width, height)
    }

    /// `values` of a `width` × `height` grid with `channels` values per pixel (row-major, channels interleaved) as
    /// seen in this view: every pixel's values moved together.
    func rearranged<Value>(_ values: [Value], width: Int, height: Int, channels: Int = 1) -> [Value] {
        guard self != .identity else { return values }
        let (w, h) = size(width: width, height: height)
        var out = values
        for y in 0..<h {
            for x in 0..<w {
                let s = source(x: x, y: y, width: width, height: height)
                let from = (s.y * width + s.x) * channels
                let to = (y * w + x) * channels
                for k in 0..<channels { out[to + k] = values[from + k] }
            }
        }
        return out
    }

    /// The image seen in this view (every channel moved with its pixel).
    public func apply(to image: CaseImage) throws -> CaseImage {
        guard self != .identity else { return image }
        let (w, h) = size(width: image.width, height: image.height)
        return try CaseImage(
            width: w, height: h, channels: image.channels,
            pixels: rearranged(image.pixels, width: image.width, height: image.height, channels: image.channels),
            sourceType: image.sourceType, name: rawValue)
    }

    /// The mask seen in this view.
    public func apply(to mask: BinaryMask) throws -> BinaryMask {
        guard self != .identity else { return mask }
        let (w, h) = size(width: mask.width, height: mask.height)
        let bools = (0..<mask.pixelCount).map { mask[$0 % mask.width, $0 / mask.width] }
        return try BinaryMask(width: w, height: h, bools: rearranged(bools, width: mask.width, height: mask.height))
    }

    /// The id of a case seen in this view: `<id>~<view>` (e.g. `B01~flip-h`), so each view has its own embedding
    /// cache entry.
    func caseID(of id: String) -> String { id + "~" + rawValue }

    /// The label-map slice seen in this view: image and class ids moved alike; the case id gains the suffix
    /// `~<view>`, as a multi-rater case's does.
    public func apply(to slice: LabelMapCase) throws -> LabelMapCase {
        guard self != .identity else { return slice }
        return try LabelMapCase(
            caseID: caseID(of: slice.caseID), image: try apply(to: slice.image),
            labels: rearranged(slice.labels, width: slice.width, height: slice.height))
    }

    /// The case seen in this view: image and every rater mask transformed alike; the case id gains the suffix
    /// `~<view>` (e.g. `B01~flip-h`; the identity keeps the id), so each view has its own embedding cache entry;
    /// group and source position are kept, so a view stays in its case's split part and fold.
    public func apply(to source: MultiRaterCase) throws -> MultiRaterCase {
        guard self != .identity else { return source }
        var metadata = source.metadata
        metadata.caseID = caseID(of: metadata.caseID)
        return try MultiRaterCase(
            image: try source.image.map { try apply(to: $0) }, raters: try source.raters.map { try apply(to: $0) },
            metadata: metadata)
    }
}

/// Geometric training augmentation (`p2sam train --augment`): every training case is also seen in other views
/// of the pixel grid, each a case of its own with its own encoder embedding (computed once, then cached).
/// Label-preserving only where the anatomy has no fixed orientation in the image (cells, skin lesions, nodule
/// crops); for chest X-rays or cardiac MR in a standard orientation, flips make cases the model will never see.
public enum TrainingAugmentation: String, Sendable, CaseIterable {
    /// The cases as they are.
    case none
    /// The identity and the three flips (left-right, top-bottom, both): 4 views per case.
    case flips
    /// All eight symmetries of the square (flips, quarter turns, transposes): 8 views per case.
    case dihedral

    /// The model-file metadata key that records the augmentation (absent: none).
    public static let metadataKey = "augmentation"

    /// The views each case is seen in, the identity first.
    public var views: [GeometricView] {
        switch self {
        case .none: [.identity]
        case .flips: [.identity, .flipHorizontal, .flipVertical, .rotate180]
        case .dihedral: GeometricView.allCases
        }
    }

    /// Each case followed by its other views, in case order.
    ///
    /// - Throws: `DataError.invalidCase` only if a case was already inconsistent.
    public func expand(_ cases: [MultiRaterCase]) throws -> [MultiRaterCase] {
        try cases.flatMap { source in try views.map { try $0.apply(to: source) } }
    }

    /// Each label-map slice followed by its other views, in slice order.
    public func expand(_ slices: [LabelMapCase]) throws -> [LabelMapCase] {
        try slices.flatMap { source in try views.map { try $0.apply(to: source) } }
    }
}
