import Foundation

extension Visualization {
    /// The longest tile side in a ``titledGrid(_:columns:legend:tileSide:)`` by default, in pixels.
    public static let defaultTileSide = 192

    /// Pictures (for example a volume's axial slices with their class overlays) tiled left to right, top to
    /// bottom, `columns` per row, each with its title in white on black in the top-left corner (for example
    /// `z 12`), and a legend below: one coloured square and label per entry.
    ///
    /// Every tile is brought to `tileSide` pixels on its longer side, keeping its aspect ratio: area-averaged
    /// when larger, enlarged by the largest integer factor that fits when smaller (pixels stay visible as
    /// squares). Tiles are converted with ``displayImage(_:)``.
    ///
    /// - Parameters:
    ///   - tiles: the pictures and their titles, in reading order.
    ///   - columns: tiles per row (fewer when there are fewer tiles).
    ///   - legend: the entries listed below the grid (may be empty).
    ///   - tileSide: the longer side of every tile in the figure, 16…4096.
    /// - Returns: an 8-bit RGB figure on a white background.
    /// - Throws: ``MedImageIOError/invalidImage(_:)`` if `tiles` is empty, `columns < 1` or `tileSide` is out of
    ///   range.
    public static func titledGrid(
        _ tiles: [(picture: MedicalImage, title: String)], columns: Int,
        legend: [(label: String, color: RGBColor)], tileSide: Int = defaultTileSide
    ) throws -> MedicalImage {
        guard !tiles.isEmpty else { throw MedImageIOError.invalidImage("a titled grid needs at least one tile") }
        guard columns >= 1 else {
            throw MedImageIOError.invalidImage("a titled grid needs at least one column, got \(columns)")
        }
        guard (16...4096).contains(tileSide) else {
            throw MedImageIOError.invalidImage("the tile side must be 16…4096 px, got \(tileSide)")
        }
        let shown = tiles.map { fitted(displayImage($0.picture), side: tileSide) }
        let text = 2
        let pad = 10
        let gap = 4
        let line = BitmapFont.glyphHeight * text + 8
        let cols = min(columns, tiles.count)
        let rows = (tiles.count + cols - 1) / cols
        let cellW = shown.map(\.width).max()!
        let cellH = shown.map(\.height).max()!
        let gridW = cols * cellW + (cols - 1) * gap
        let labelWidth = legend.map { BitmapFont.width(of: $0.label, scale: text) }.max() ?? 0
        let side = BitmapFont.glyphHeight * text
        let width = max(gridW, legend.isEmpty ? 0 : labelWidth + pad + side) + 2 * pad
        let gridH = rows * cellH + (rows - 1) * gap
        let height = pad + gridH + (legend.isEmpty ? 0 : pad + legend.count * line) + pad
        var canvas = Canvas(blank(width: width, height: height))
        for (n, tile) in shown.enumerated() {
            let x = pad + (n % cols) * (cellW + gap)
            let y = pad + (n / cols) * (cellH + gap)
            canvas.paste(tile, x: x, y: y)
            canvas.text(tiles[n].title, x: x + text, y: y + text, scale: text, color: .white, background: .black)
        }
        for (n, entry) in legend.enumerated() {
            let y = pad + gridH + pad + n * line
            for dy in 0..<side { for dx in 0..<side { canvas.set(pad + dx, y + dy, entry.color) } }
            canvas.frame(x: pad, y: y, width: side, height: side, color: .black)
            canvas.text(entry.label, x: 2 * pad + side, y: y, scale: text, color: .black)
        }
        return canvas.image
    }

    /// The 8-bit RGB `picture` with its longer side brought to `side`: area-averaged when larger, enlarged by the
    /// largest integer factor that stays within `side` when smaller.
    static func fitted(_ picture: MedicalImage, side: Int) -> MedicalImage {
        let longer = max(picture.width, picture.height)
        if longer > side {
            let width = max(1, (picture.width * side + longer / 2) / longer)
            let height = max(1, (picture.height * side + longer / 2) / longer)
            return picture.resizedArea(width: width, height: height)
        }
        return enlarged(picture, factor: max(1, side / longer))
    }
}
