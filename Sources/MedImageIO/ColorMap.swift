/// An 8-bit RGB colour.
public struct RGBColor: Sendable, Equatable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    /// A colour from its red, green and blue components, `0...255`.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = RGBColor(0, 0, 0)
    public static let white = RGBColor(255, 255, 255)
    public static let red = RGBColor(230, 40, 40)
    public static let green = RGBColor(40, 210, 60)
    public static let yellow = RGBColor(255, 220, 0)
    public static let cyan = RGBColor(0, 220, 255)
    public static let orange = RGBColor(255, 140, 0)
}

/// A perceptual colour map for values in `[0, 1]`: linear interpolation between evenly spaced
/// anchor colours. Values outside `[0, 1]` are clamped; NaN maps to ``nanColor``.
public struct ColorMap: Sendable {
    /// Evenly spaced anchors; the first is the colour of 0, the last of 1.
    public let anchors: [RGBColor]
    /// Colour used for NaN.
    public var nanColor = RGBColor(128, 128, 128)

    /// - Precondition: at least 2 anchors.
    public init(anchors: [RGBColor]) {
        precondition(anchors.count >= 2, "a colour map needs at least 2 anchors")
        self.anchors = anchors
    }

    /// A viridis-like map (dark blue-violet → teal → green → yellow), 9 hand-picked anchors.
    /// Monotonically increasing lightness; readable in grey and by colour-blind viewers.
    public static let viridisLike = ColorMap(anchors: [
        RGBColor(68, 1, 84), RGBColor(71, 44, 122), RGBColor(59, 81, 139), RGBColor(44, 113, 142),
        RGBColor(33, 144, 141), RGBColor(39, 173, 129), RGBColor(92, 200, 99), RGBColor(170, 220, 50),
        RGBColor(253, 231, 37),
    ])

    /// A magma-like map (black → purple → red-orange → pale yellow), 9 hand-picked anchors.
    public static let magmaLike = ColorMap(anchors: [
        RGBColor(0, 0, 4), RGBColor(28, 16, 68), RGBColor(79, 18, 123), RGBColor(129, 37, 129),
        RGBColor(181, 54, 122), RGBColor(229, 80, 100), RGBColor(251, 135, 97), RGBColor(254, 194, 135),
        RGBColor(252, 253, 191),
    ])

    /// Grey ramp, black → white.
    public static let grey = ColorMap(anchors: [.black, .white])

    /// The colour of `value` (clamped to `[0, 1]`).
    public func color(_ value: Float) -> RGBColor {
        if value.isNaN { return nanColor }
        let t = min(max(value, 0), 1) * Float(anchors.count - 1)
        let i = min(Int(t), anchors.count - 2)
        let f = t - Float(i)
        let a = anchors[i]
        let b = anchors[i + 1]
        func mix(_ u: UInt8, _ v: UInt8) -> UInt8 {
            UInt8(min(max((Float(u) * (1 - f) + Float(v) * f).rounded(), 0), 255))
        }
        return RGBColor(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }
}
