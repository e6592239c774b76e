/// Pictures for people: overlays, heat maps and tile grids. Every function returns an 8-bit RGB
/// ``MedicalImage`` (`channels == 3`, `bitDepth == 8`, integer values `0...255`) that
/// ``PNG/write(_:to:)-(MedicalImage,_)`` can save.
public enum Visualization {
    /// Drawing options for ``overlay(_:mask:box:points:style:)``.
    public struct OverlayStyle: Sendable {
        /// Colour of the semi-transparent mask fill and its 1-px contour.
        public var maskColor: RGBColor = .yellow
        /// Opacity of the fill, `0...1`.
        public var fillOpacity: Float = 0.35
        /// Colour of the 1-px contour (foreground pixels with a background 4-neighbour or on the border).
        public var contourColor: RGBColor = .yellow
        /// Colour of the box outline.
        public var boxColor: RGBColor = .cyan
        /// Colour of positive / negative point discs.
        public var positiveColor: RGBColor = .green
        public var negativeColor: RGBColor = .red
        /// Radius of point discs, in pixels (a 1-px black ring is drawn around them).
        public var pointRadius: Int = 3

        /// The default style: yellow mask, cyan box, green / red points of radius 3.
        public init() {}
    }

    /// The image as 8-bit RGB for display: grey is replicated; 8-bit values are rounded and
    /// clamped to `0...255`; 16-bit images are min-max scaled to `0...255` (per image, all channels).
    public static func displayImage(_ image: MedicalImage) -> MedicalImage {
        let rgb = image.rgb()
        var pixels = rgb.pixels
        if image.bitDepth == 16 {
            let lo = pixels.min() ?? 0
            let hi = pixels.max() ?? 0
            let range = max(hi - lo, 1e-12)
            pixels = pixels.map { (($0 - lo) / range * 255).rounded() }
        } else {
            pixels = pixels.map { min(max(($0.isFinite ? $0 : 0).rounded(), 0), 255) }
        }
        return MedicalImage(uncheckedWidth: image.width, height: image.height, channels: 3, bitDepth: 8, pixels: pixels)
    }

    /// The image with a mask fill + contour, an optional box outline and point discs.
    ///
    /// - Parameters:
    ///   - image: the picture, shown as by ``displayImage(_:)``.
    ///   - mask: drawn if given; must have the image's size.
    ///   - box: `[x0, y0, x1, y1]` in image pixels; the outline runs along columns `x0` and `x1`
    ///     and rows `y0` and `y1` (clamped to the image).
    ///   - points: discs centred at pixel `(x, y)`; positive green, negative red (by default).
    ///   - style: colours, opacity and point radius.
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` if the mask size differs from the image's.
    public static func overlay(
        _ image: MedicalImage, mask: MaskImage? = nil, box: BoundingBox? = nil,
        points: [PromptPoint] = [], style: OverlayStyle = OverlayStyle()
    ) throws -> MedicalImage {
        var canvas = Canvas(displayImage(image))
        if let mask {
            guard mask.width == image.width, mask.height == image.height else {
                throw MedImageIOError.invalidImage(
                    "mask is \(mask.width)x\(mask.height) but the image is \(image.width)x\(image.height)")
            }
            canvas.fill(mask, color: style.maskColor, opacity: style.fillOpacity)
            canvas.contour(mask, color: style.contourColor)
        }
        if let box { canvas.rectangle(box, color: style.boxColor) }
        for point in points {
            canvas.disc(
                x: point.x, y: point.y, radius: style.pointRadius,
                color: point.isPositive ? style.positiveColor : style.negativeColor)
        }
        return canvas.image
    }

    /// A heat map of `values` (row-major `width × height`, meant to be in `[0, 1]`, e.g. entropy / ln 2
    /// or a foreground frequency) through `colorMap`. Values are clamped; NaN is drawn grey.
    public static func heatMap(
        _ values: [Float], width: Int, height: Int,
        colorMap: ColorMap = .viridisLike
    ) -> MedicalImage {
        precondition(values.count == width * height, "heat map needs width * height values")
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let c = colorMap.color(values[i])
            pixels[3 * i] = Float(c.red)
            pixels[3 * i + 1] = Float(c.green)
            pixels[3 * i + 2] = Float(c.blue)
        }
        return MedicalImage(uncheckedWidth: width, height: height, channels: 3, bitDepth: 8, pixels: pixels)
    }

    /// A horizontal colour bar (0 on the left, 1 on the right) to show next to a heat map.
    public static func colorBar(width: Int, height: Int, colorMap: ColorMap = .viridisLike) -> MedicalImage {
        let row = (0..<width).map { Float($0) / Float(max(width - 1, 1)) }
        return heatMap(Array((0..<height).map { _ in row }.joined()), width: width, height: height, colorMap: colorMap)
    }

    /// Tiles laid out left to right, top to bottom, `columns` per row, with `separator` pixels of
    /// `separatorColor` between tiles. Tiles may differ in size: each cell is as large as the
    /// largest tile, and smaller tiles sit in the cell's top-left corner. Tiles are converted
    /// with ``displayImage(_:)``.
    ///
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` if `tiles` is empty or `columns < 1`.
    public static func grid(
        _ tiles: [MedicalImage], columns: Int, separator: Int = 2,
        separatorColor: RGBColor = .white
    ) throws -> MedicalImage {
        guard !tiles.isEmpty else { throw MedImageIOError.invalidImage("grid needs at least one tile") }
        guard columns >= 1 else { throw MedImageIOError.invalidImage("grid needs at least one column, got \(columns)") }
        let cols = min(columns, tiles.count)
        let rows = (tiles.count + cols - 1) / cols
        let cellW = tiles.map(\.width).max()!
        let cellH = tiles.map(\.height).max()!
        let width = cols * cellW + (cols - 1) * separator
        let height = rows * cellH + (rows - 1) * separator
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = Float(separatorColor.red)
            pixels[3 * i + 1] = Float(separatorColor.green)
            pixels[3 * i + 2] = Float(separatorColor.blue)
        }
        for (n, tile) in tiles.enumerated() {
            let shown = displayImage(tile)
            let ox = (n % cols) * (cellW + separator)
            let oy = (n / cols) * (cellH + separator)
            for y in 0..<shown.height {
                for x in 0..<shown.width {
                    for c in 0..<3 {
                        pixels[((oy + y) * width + ox + x) * 3 + c] = shown.pixels[(y * shown.width + x) * 3 + c]
                    }
                }
            }
        }
        return MedicalImage(uncheckedWidth: width, height: height, channels: 3, bitDepth: 8, pixels: pixels)
    }

    /// Each mask drawn over `image` (see ``overlay(_:mask:box:points:style:)``), tiled into a grid.
    /// Use it to show N sampled masks side by side.
    public static func maskGrid(
        _ image: MedicalImage, masks: [MaskImage], box: BoundingBox? = nil,
        points: [PromptPoint] = [], columns: Int,
        style: OverlayStyle = OverlayStyle()
    ) throws -> MedicalImage {
        let tiles = try masks.map { try overlay(image, mask: $0, box: box, points: points, style: style) }
        return try grid(tiles, columns: columns)
    }
}

/// A mutable 8-bit RGB drawing surface (HWC `Float` samples holding integers).
struct Canvas {
    var image: MedicalImage
    init(_ image: MedicalImage) { self.image = image }

    mutating func set(_ x: Int, _ y: Int, _ color: RGBColor, opacity: Float = 1) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = (y * image.width + x) * 3
        let rgb = [color.red, color.green, color.blue]
        for c in 0..<3 {
            let old = image.pixels[i + c]
            image.pixels[i + c] = (old * (1 - opacity) + Float(rgb[c]) * opacity).rounded()
        }
    }

    mutating func fill(_ mask: MaskImage, color: RGBColor, opacity: Float) {
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[y, x] != 0 { set(x, y, color, opacity: opacity) }
        }
    }

    mutating func contour(_ mask: MaskImage, color: RGBColor) {
        func inside(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask[y, x] != 0
        }
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[y, x] != 0 {
                if !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1) {
                    set(x, y, color)
                }
            }
        }
    }

    mutating func rectangle(_ box: BoundingBox, color: RGBColor) {
        func clampX(_ v: Double) -> Int { min(max(Int(v.rounded(.down)), 0), image.width - 1) }
        func clampY(_ v: Double) -> Int { min(max(Int(v.rounded(.down)), 0), image.height - 1) }
        guard box.x0.isFinite, box.x1.isFinite, box.y0.isFinite, box.y1.isFinite else { return }
        let x0 = clampX(box.x0)
        let x1 = clampX(box.x1)
        let y0 = clampY(box.y0)
        let y1 = clampY(box.y1)
        for x in min(x0, x1)...max(x0, x1) {
            set(x, y0, color)
            set(x, y1, color)
        }
        for y in min(y0, y1)...max(y0, y1) {
            set(x0, y, color)
            set(x1, y, color)
        }
    }

    mutating func disc(x: Double, y: Double, radius: Int, color: RGBColor) {
        guard x.isFinite, y.isFinite else { return }
        let cx = Int(x.rounded(.down))
        let cy = Int(y.rounded(.down))
        let outer = radius + 1
        for dy in -outer...outer {
            for dx in -outer...outer {
                let d2 = dx * dx + dy * dy
                if d2 <= radius * radius {
                    set(cx + dx, cy + dy, color)
                } else if d2 <= outer * outer {
                    set(cx + dx, cy + dy, .black)
                }
            }
        }
    }
}
