/// A box prompt `[x0, y0, x1, y1]` in pixels: x is the column, y the row.
///
/// In the original image frame a valid box satisfies `0 <= x0 < x1 <= W` and `0 <= y0 < y1 <= H`.
public struct BoundingBox: Sendable, Equatable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    /// The box from its left (`x0`), top (`y0`), right (`x1`) and bottom (`y1`) edges, in pixels.
    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    /// `[x0, y0, x1, y1]`.
    public var array: [Double] { [x0, y0, x1, y1] }

    /// The part of this box inside a `width × height` image, or `nil` if nothing is left.
    /// Use it to opt in to clipping before `PromptMapping.modelBox(_:height:width:)`, which
    /// refuses boxes that are not entirely inside the image.
    public func clipped(width: Int, height: Int) -> BoundingBox? {
        let box = BoundingBox(x0: max(x0, 0), y0: max(y0, 0), x1: min(x1, Double(width)), y1: min(y1, Double(height)))
        return box.x0 < box.x1 && box.y0 < box.y1 ? box : nil
    }
}

/// A point prompt in pixels (`x` column, `y` row); positive points mark foreground.
public struct PromptPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var isPositive: Bool

    /// A point at column `x`, row `y`; foreground unless `isPositive` is false.
    public init(x: Double, y: Double, isPositive: Bool = true) {
        self.x = x
        self.y = y
        self.isPositive = isPositive
    }
}
