/// A point prompt in the 256x256 model-input frame (x = column, y = row, pixels).
public struct PointPrompt: Sendable, Equatable, Codable {
    /// What a point says about the target.
    public enum Label: Int, Sendable, Codable {
        case negative = 0
        case positive = 1
    }

    public var x: Float
    public var y: Float
    public var label: Label

    /// A point in the 256 model frame; `label` 1 = foreground, 0 = background.
    public init(x: Float, y: Float, label: Label) {
        self.x = x
        self.y = y
        self.label = label
    }
}

/// A box prompt `[x0, y0, x1, y1]` in the 256x256 model-input frame (pixels).
public struct BoxPrompt: Sendable, Equatable, Codable {
    public var x0: Float
    public var y0: Float
    public var x1: Float
    public var y1: Float

    /// A box in the 256 model frame from its corners (x = column).
    public init(x0: Float, y0: Float, x1: Float, y1: Float) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }
}

/// One prompt for the mask decoder: an optional box and any number of labelled points, all in the
/// 256x256 model-input frame. An empty prompt (no box, no points) gives no sparse tokens.
public struct Prompt: Sendable, Equatable, Codable {
    public var box: BoxPrompt?
    public var points: [PointPrompt]

    /// The most points one prompt may carry: 256 (each point is a prompt token, and the decoder's
    /// token attention grows with the square of the token count).
    public static let maximumPointCount = 256

    /// A prompt in the model frame: an optional box and any number of points.
    public init(box: BoxPrompt? = nil, points: [PointPrompt] = []) {
        self.box = box
        self.points = points
    }

    /// Number of sparse tokens the prompt encoder makes: one per point (+1 padding point when
    /// there is no box) and two box corners.
    public var sparseTokenCount: Int {
        let pointTokens = points.isEmpty ? 0 : points.count + (box == nil ? 1 : 0)
        return pointTokens + (box == nil ? 0 : 2)
    }
}
