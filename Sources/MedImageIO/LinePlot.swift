import Foundation

extension Visualization {
    /// One line of ``linePlot(title:xLabels:yLabel:series:)``.
    public struct PlotSeries: Sendable {
        /// The legend's label.
        public var label: String
        /// The line's colour.
        public var color: RGBColor
        /// One value per x position (finite).
        public var values: [Double]

        /// A line.
        ///
        /// - Parameters:
        ///   - label: the legend's label.
        ///   - color: the line's colour.
        ///   - values: one value per x position.
        public init(label: String, color: RGBColor, values: [Double]) {
            self.label = label
            self.color = color
            self.values = values
        }
    }

    /// A small line chart on white: `series` against x positions `0..<xLabels.count` evenly spaced (labelled
    /// with `xLabels`, thinned to fit), y from 0 to the largest value (at least 1) with tick labels at 0, half
    /// and the top, a marker on every point, the title above and a legend (one coloured square and label per
    /// series) below. RGB, 8-bit.
    ///
    /// - Parameters:
    ///   - title: drawn above the chart.
    ///   - xLabels: one label per x position (at least one).
    ///   - yLabel: the y axis's unit, drawn above the axis.
    ///   - series: the lines, each with `xLabels.count` values.
    /// - Returns: the chart.
    public static func linePlot(title: String, xLabels: [String], yLabel: String, series: [PlotSeries])
        -> MedicalImage
    {
        precondition(!xLabels.isEmpty && series.allSatisfy { $0.values.count == xLabels.count }, "one value per x")
        let scale = 2
        let line = BitmapFont.glyphHeight * scale + 8
        let top = max(Swift.max(1, series.flatMap(\.values).filter(\.isFinite).max() ?? 1), 1)
        let tickLabels = [top, top / 2, 0].map { formatTick($0) }
        let left = 16 + (tickLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0) + 8
        let plotWidth = Swift.max(320, 48 * (xLabels.count - 1))
        let plotHeight = 220
        let legendWidth = series.map { BitmapFont.width(of: $0.label, scale: scale) + 40 }.max() ?? 0
        let width = Swift.max(left + plotWidth + 32, BitmapFont.width(of: title, scale: scale) + 32, legendWidth + 32)
        let plotTop = 16 + 2 * line
        let height = plotTop + plotHeight + 12 + 2 * line + series.count * line + 16
        var canvas = Canvas(blank(width: width, height: height))
        canvas.text(title, x: 16, y: 16, scale: scale, color: .black)
        canvas.text(yLabel, x: 16, y: 16 + line, scale: scale, color: .black)
        let grey = RGBColor(200, 200, 200)
        func xPosition(_ n: Int) -> Int {
            left + (xLabels.count == 1 ? plotWidth / 2 : n * plotWidth / (xLabels.count - 1))
        }
        func yPosition(_ value: Double) -> Int {
            plotTop + plotHeight - Int((Swift.min(Swift.max(value, 0), top) / top * Double(plotHeight)).rounded())
        }
        for (n, value) in [top, top / 2, 0].enumerated() {
            let y = yPosition(value)
            canvas.segment(from: (left, y), to: (left + plotWidth, y), color: grey)
            let label = tickLabels[n]
            canvas.text(
                label, x: left - 8 - BitmapFont.width(of: label, scale: scale),
                y: y - BitmapFont.glyphHeight * scale / 2, scale: scale, color: .black)
        }
        canvas.segment(from: (left, plotTop), to: (left, plotTop + plotHeight), color: .black)
        let labelWidth = xLabels.map { BitmapFont.width(of: $0, scale: scale) }.max() ?? 0
        let spacing = xLabels.count == 1 ? plotWidth : plotWidth / (xLabels.count - 1)
        let every = Swift.max(1, (labelWidth + 12 + spacing - 1) / Swift.max(spacing, 1))
        for (n, label) in xLabels.enumerated() where n % every == 0 || n == xLabels.count - 1 {
            let x = xPosition(n)
            canvas.segment(from: (x, plotTop + plotHeight), to: (x, plotTop + plotHeight + 4), color: .black)
            if n == xLabels.count - 1, n % every != 0 { continue }
            canvas.text(
                label, x: x - BitmapFont.width(of: label, scale: scale) / 2, y: plotTop + plotHeight + 8,
                scale: scale, color: .black)
        }
        for entry in series {
            let points = entry.values.enumerated().map { (xPosition($0.offset), yPosition($0.element)) }
            for (a, b) in zip(points, points.dropFirst()) {
                canvas.segment(from: a, to: b, color: entry.color)
                canvas.segment(from: (a.0, a.1 + 1), to: (b.0, b.1 + 1), color: entry.color)
            }
            for point in points {
                for dy in -3...3 { for dx in -3...3 { canvas.set(point.0 + dx, point.1 + dy, entry.color) } }
            }
        }
        let legendTop = plotTop + plotHeight + 12 + 2 * line
        for (n, entry) in series.enumerated() {
            let y = legendTop + n * line
            let side = BitmapFont.glyphHeight * scale
            for dy in 0..<side { for dx in 0..<side { canvas.set(16 + dx, y + dy, entry.color) } }
            canvas.frame(x: 16, y: y, width: side, height: side, color: .black)
            canvas.text(entry.label, x: 24 + side, y: y, scale: scale, color: .black)
        }
        return canvas.image
    }

    /// A tick value with at most 3 significant decimals and no trailing zeros.
    static func formatTick(_ value: Double) -> String {
        if value >= 100 || value == value.rounded() { return String(Int(value.rounded())) }
        var text = String(format: value >= 10 ? "%.1f" : "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension Canvas {
    /// A 1-px straight line from `a` to `b` (Bresenham), clipped to the canvas.
    mutating func segment(from a: (Int, Int), to b: (Int, Int), color: RGBColor) {
        var (x, y) = a
        let (dx, dy) = (abs(b.0 - a.0), -abs(b.1 - a.1))
        let (sx, sy) = (a.0 < b.0 ? 1 : -1, a.1 < b.1 ? 1 : -1)
        var error = dx + dy
        while true {
            set(x, y, color)
            if x == b.0 && y == b.1 { return }
            let twice = 2 * error
            if twice >= dy {
                error += dy
                x += sx
            }
            if twice <= dx {
                error += dx
                y += sy
            }
        }
    }
}
