import Foundation

/// Figures for researchers: heat maps over the image with a labelled colour bar, and sample grids with
/// numbered tiles and a row of the raters' masks. Small images are enlarged by an integer factor
/// (nearest neighbour, so pixels stay visible as squares); labels use ``BitmapFont``.
extension Visualization {
    /// The integer enlargement that brings the longer side to at least `minimumSide` (1 when it already is).
    public static func displayFactor(width: Int, height: Int, minimumSide: Int = 512) -> Int {
        let side = max(width, height, 1)
        return max(1, (minimumSide + side - 1) / side)
    }

    /// `image` as 8-bit RGB (``displayImage(_:)``) enlarged `factor` times by nearest neighbour.
    public static func enlarged(_ image: MedicalImage, factor: Int) -> MedicalImage {
        let shown = displayImage(image)
        guard factor > 1 else { return shown }
        let w = shown.width * factor
        let h = shown.height * factor
        var pixels = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = y / factor
            for x in 0..<w {
                let s = (sy * shown.width + x / factor) * 3
                let d = (y * w + x) * 3
                pixels[d] = shown.pixels[s]
                pixels[d + 1] = shown.pixels[s + 1]
                pixels[d + 2] = shown.pixels[s + 2]
            }
        }
        return MedicalImage(uncheckedWidth: w, height: h, channels: 3, bitDepth: 8, pixels: pixels)
    }

    /// The scale of a heat map: the values at the ends of the colour bar, the title and tick labels.
    public struct HeatMapScale: Sendable {
        /// Title above the figure, e.g. "SAMPLE FREQUENCY".
        public var title: String
        /// Value drawn with the colour map's first / last colour (values are clamped to this range).
        public var lower: Float
        public var upper: Float
        /// Tick values along the colour bar, each with its label.
        public var ticks: [(value: Float, label: String)]

        /// A scale titled `title` mapping `lower...upper` onto the colour map, with labelled `ticks`.
        public init(title: String, lower: Float = 0, upper: Float = 1, ticks: [(value: Float, label: String)]) {
            self.title = title
            self.lower = lower
            self.upper = upper
            self.ticks = ticks
        }

        /// Fraction of samples, 0 … 100 %.
        public static let frequency = HeatMapScale(
            title: "FREQUENCY (FRACTION OF SAMPLES)",
            ticks: [(0, "0%"), (0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1, "100%")])
        /// Binary entropy, 0 … 1 bit.
        public static let entropy = HeatMapScale(
            title: "ENTROPY (BITS)",
            ticks: [(0, "0"), (0.25, "0.25"), (0.5, "0.5"), (0.75, "0.75"), (1, "1 BIT")])
    }

    /// A heat map of `values` (row-major `width x height`) drawn over `image` (grey, when given) with
    /// a title above and a colour bar with its scale below. Pixels at or below `scale.lower` show the
    /// image; others are the colour map blended over it with `opacity`, faded in over the first quarter
    /// of the scale so that near-zero values do not hide the image. Enlarged to at least 512 px.
    ///
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` when the sizes disagree.
    public static func heatMapFigure(
        _ values: [Float], width: Int, height: Int, over image: MedicalImage? = nil,
        scale: HeatMapScale, colorMap: ColorMap = .viridisLike,
        opacity: Float = 0.75
    ) throws -> MedicalImage {
        guard values.count == width * height else {
            throw MedImageIOError.invalidImage("heat map has \(values.count) values for \(width)x\(height)")
        }
        if let image, image.width != width || image.height != height {
            throw MedImageIOError.invalidImage(
                "heat map is \(width)x\(height) but the image is \(image.width)x\(image.height)")
        }
        let range = max(scale.upper - scale.lower, 1e-12)
        var base =
            image.map { greyed(displayImage($0)) }
            ?? MedicalImage(
                uncheckedWidth: width, height: height, channels: 3, bitDepth: 8,
                pixels: [Float](repeating: 0, count: width * height * 3))
        var canvas = Canvas(base)
        for y in 0..<height {
            for x in 0..<width {
                let v = values[y * width + x]
                if v.isNaN {
                    canvas.set(x, y, colorMap.nanColor)
                    continue
                }
                guard v > scale.lower || image == nil else { continue }
                let t = (v - scale.lower) / range
                // Faint values fade into the image (full strength from a quarter of the scale up).
                canvas.set(x, y, colorMap.color(t), opacity: image == nil ? 1 : opacity * min(1, 4 * t))
            }
        }
        base = canvas.image
        let factor = displayFactor(width: width, height: height)
        let picture = enlarged(base, factor: factor)
        let text = 2
        let pad = 12
        let barHeight = 18
        let tickLength = 6
        let glyphHeight = BitmapFont.glyphHeight * text
        let labelsWidth = scale.ticks.map { BitmapFont.width(of: $0.label, scale: text) }.max() ?? 0
        let figureWidth = max(picture.width, BitmapFont.width(of: scale.title, scale: text)) + 2 * pad + labelsWidth
        let top = pad + glyphHeight + pad
        let barTop = top + picture.height + pad
        let figureHeight = barTop + barHeight + tickLength + 4 + glyphHeight + pad
        var figure = Canvas(blank(width: figureWidth, height: figureHeight))
        figure.text(scale.title, x: pad, y: pad, scale: text, color: .black)
        let left = (figureWidth - picture.width) / 2
        figure.paste(picture, x: left, y: top)
        let barLeft = left
        let barWidth = picture.width
        for x in 0..<barWidth {
            let t = Float(x) / Float(max(barWidth - 1, 1))
            let colour = colorMap.color(t)
            for y in 0..<barHeight { figure.set(barLeft + x, barTop + y, colour) }
        }
        figure.frame(x: barLeft - 1, y: barTop - 1, width: barWidth + 2, height: barHeight + 2, color: .black)
        for tick in scale.ticks {
            let t = min(max((tick.value - scale.lower) / range, 0), 1)
            let x = barLeft + Int((t * Float(barWidth - 1)).rounded())
            for y in (barTop + barHeight)..<(barTop + barHeight + tickLength) { figure.set(x, y, .black) }
            let w = BitmapFont.width(of: tick.label, scale: text)
            let lx = min(max(x - w / 2, 0), figureWidth - w)
            figure.text(tick.label, x: lx, y: barTop + barHeight + tickLength + 4, scale: text, color: .black)
        }
        return figure.image
    }

    /// Sampled masks drawn over the image in a grid, each tile numbered (`S1`, `S2`, …, counted from 1),
    /// and, when `raters` are given, a row of the raters' masks (`R1`, …, drawn in orange) below.
    /// Tiles are enlarged to at least 256 px, and the figure to at least 512 px wide.
    ///
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` when a mask's size differs from the image's or
    ///   there is no sample.
    public static func sampleGrid(
        _ image: MedicalImage, samples: [MaskImage], raters: [MaskImage] = [],
        box: BoundingBox? = nil, points: [PromptPoint] = [], columns: Int,
        totalSamples: Int? = nil
    ) throws -> MedicalImage {
        guard !samples.isEmpty else { throw MedImageIOError.invalidImage("a sample grid needs at least one sample") }
        let shownColumns = max(1, min(columns, max(samples.count, raters.count)))
        // Tiles of at least 256 px, and a figure at least 512 px wide.
        let factor = max(
            displayFactor(width: image.width, height: image.height, minimumSide: 256),
            displayFactor(width: image.width * shownColumns, height: 1))
        let text = 2
        let pad = 8
        let gap = 4
        var raterStyle = OverlayStyle()
        raterStyle.maskColor = .orange
        raterStyle.contourColor = .orange
        func tiles(_ masks: [MaskImage], prefix: String, style: OverlayStyle) throws -> [MedicalImage] {
            try masks.enumerated().map { n, mask in
                var tile = Canvas(
                    enlarged(try overlay(image, mask: mask, box: box, points: points, style: style), factor: factor))
                tile.text("\(prefix)\(n + 1)", x: 2 * text, y: 2 * text, scale: text, color: .white, background: .black)
                return tile.image
            }
        }
        let sampleTiles = try tiles(samples, prefix: "S", style: OverlayStyle())
        let raterTiles = try tiles(raters, prefix: "R", style: raterStyle)
        let tileW = image.width * factor
        let tileH = image.height * factor
        let cols = shownColumns
        let sampleRows = (samples.count + cols - 1) / cols
        let raterRows = (raters.count + cols - 1) / cols
        let header = BitmapFont.glyphHeight * text + 2 * pad
        let width = cols * tileW + (cols - 1) * gap + 2 * pad
        let height =
            header + sampleRows * (tileH + gap) + (raters.isEmpty ? 0 : header + raterRows * (tileH + gap)) + pad
        var canvas = Canvas(blank(width: width, height: height))
        let total = totalSamples ?? samples.count
        canvas.text(
            samples.count < total ? "SAMPLES 1-\(samples.count) OF \(total)" : "SAMPLES (\(total))", x: pad, y: pad,
            scale: text, color: .black)
        for (n, tile) in sampleTiles.enumerated() {
            canvas.paste(tile, x: pad + (n % cols) * (tileW + gap), y: header + (n / cols) * (tileH + gap))
        }
        if !raters.isEmpty {
            let top = header + sampleRows * (tileH + gap)
            canvas.text("RATERS (\(raters.count))", x: pad, y: top + pad, scale: text, color: .black)
            for (n, tile) in raterTiles.enumerated() {
                canvas.paste(tile, x: pad + (n % cols) * (tileW + gap), y: top + header + (n / cols) * (tileH + gap))
            }
        }
        return canvas.image
    }

    /// A white RGB picture.
    static func blank(width: Int, height: Int) -> MedicalImage {
        MedicalImage(
            uncheckedWidth: width, height: height, channels: 3, bitDepth: 8,
            pixels: [Float](repeating: 255, count: width * height * 3))
    }

    /// An RGB picture turned grey (mean of the channels), so colours drawn over it stand out.
    static func greyed(_ image: MedicalImage) -> MedicalImage {
        var pixels = image.pixels
        for i in 0..<(image.width * image.height) {
            let g = ((pixels[3 * i] + pixels[3 * i + 1] + pixels[3 * i + 2]) / 3).rounded()
            pixels[3 * i] = g
            pixels[3 * i + 1] = g
            pixels[3 * i + 2] = g
        }
        return MedicalImage(uncheckedWidth: image.width, height: image.height, channels: 3, bitDepth: 8, pixels: pixels)
    }
}

extension Canvas {
    /// Copies the RGB `picture` with its top-left corner at `(x, y)` (clipped to the canvas).
    mutating func paste(_ picture: MedicalImage, x: Int, y: Int) {
        for py in 0..<picture.height {
            let ty = y + py
            guard ty >= 0, ty < image.height else { continue }
            for px in 0..<picture.width {
                let tx = x + px
                guard tx >= 0, tx < image.width else { continue }
                let s = (py * picture.width + px) * 3
                let d = (ty * image.width + tx) * 3
                for c in 0..<3 { image.pixels[d + c] = picture.pixels[s + c] }
            }
        }
    }

    /// A 1-px rectangle outline.
    mutating func frame(x: Int, y: Int, width: Int, height: Int, color: RGBColor) {
        for xx in x..<(x + width) {
            set(xx, y, color)
            set(xx, y + height - 1, color)
        }
        for yy in y..<(y + height) {
            set(x, yy, color)
            set(x + width - 1, yy, color)
        }
    }
}

extension Visualization {
    /// `picture` enlarged to at least 512 px with a legend below: one coloured square and label per entry.
    public static func legendFigure(_ picture: MedicalImage, entries: [(label: String, color: RGBColor)])
        -> MedicalImage
    {
        let shown = enlarged(picture, factor: displayFactor(width: picture.width, height: picture.height))
        let text = 2
        let pad = 10
        let line = BitmapFont.glyphHeight * text + 8
        let labelWidth = entries.map { BitmapFont.width(of: $0.label, scale: text) }.max() ?? 0
        let width = max(shown.width, labelWidth + 3 * pad + line) + 2 * pad
        let height = pad + shown.height + pad + entries.count * line + pad
        var canvas = Canvas(blank(width: width, height: height))
        canvas.paste(shown, x: pad, y: pad)
        for (n, entry) in entries.enumerated() {
            let y = pad + shown.height + pad + n * line
            let side = BitmapFont.glyphHeight * text
            for dy in 0..<side { for dx in 0..<side { canvas.set(pad + dx, y + dy, entry.color) } }
            canvas.frame(x: pad, y: y, width: side, height: side, color: .black)
            canvas.text(entry.label, x: 2 * pad + side, y: y, scale: text, color: .black)
        }
        return canvas.image
    }
}
