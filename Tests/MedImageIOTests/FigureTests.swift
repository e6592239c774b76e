import Foundation
import MedImageIO
import XCTest

/// Heat-map figures, sample grids and the legend figure: enlarged small images, the image under the
/// heat map, a colour bar with tick labels, numbered tiles and a raters' row.
final class FigureTests: XCTestCase {
    /// A 64x48 grey ramp image and a heat map that is 0 on the left half and 1 on the right half.
    func inputs() throws -> (MedicalImage, [Float]) {
        let image = try MedicalImage(
            width: 64, height: 48, channels: 1, pixels: (0..<(64 * 48)).map { Float(($0 % 64) * 2) })
        let values = (0..<(64 * 48)).map { $0 % 64 < 32 ? Float(0) : 1 }
        return (image, values)
    }

    func rgb(_ image: MedicalImage, _ x: Int, _ y: Int) -> [Float] { (0..<3).map { image[y, x, $0] } }

    func testHeatMapFigureIsEnlargedDrawnOverTheImageAndHasAColourBar() throws {
        let (image, values) = try inputs()
        let figure = try Visualization.heatMapFigure(values, width: 64, height: 48, over: image, scale: .frequency)
        let factor = Visualization.displayFactor(width: 64, height: 48)
        XCTAssertEqual(factor, 8)
        XCTAssertGreaterThanOrEqual(figure.width, 512)
        XCTAssertGreaterThan(figure.height, 48 * factor)
        // Find the picture: the first row whose middle column is not white, below the title.
        let left = (figure.width - 64 * factor) / 2
        let top = (0..<figure.height).first { y in y > 30 && rgb(figure, left + 4, y) != [255, 255, 255] }!
        // Value 0: the image itself (grey); value 1: the colour map's last colour blended over it.
        let grey = rgb(figure, left + 10 * factor, top + 5 * factor)
        XCTAssertEqual(grey[0], 20, accuracy: 1)
        XCTAssertEqual(Set(grey), [grey[0]])
        let hot = rgb(figure, left + 50 * factor, top + 5 * factor)
        XCTAssertGreaterThan(hot[0], hot[2] + 60, "\(hot)")  // yellow over grey
        // Below the picture: the colour bar from the first to the last colour of the map.
        let barY = top + 48 * factor + 12 + 9
        let first = ColorMap.viridisLike.color(0)
        let last = ColorMap.viridisLike.color(1)
        for (found, want) in [(rgb(figure, left + 1, barY), first), (rgb(figure, left + 64 * factor - 2, barY), last)] {
            for (f, w) in zip(found, [want.red, want.green, want.blue]) {
                XCTAssertEqual(f, Float(w), accuracy: 2, "\(found)")
            }
        }
        // Tick labels: black text pixels under the bar.
        let labelRows = (barY + 15)..<figure.height
        XCTAssertTrue(labelRows.contains { y in (0..<figure.width).contains { rgb(figure, $0, y) == [0, 0, 0] } })
    }

    func testSampleGridNumbersItsTilesAndAddsARaterRow() throws {
        let (image, _) = try inputs()
        let mask = try MaskImage(
            width: 64, height: 48, pixels: (0..<(64 * 48)).map { $0 % 64 > 20 && $0 % 64 < 40 ? 1 : 0 })
        let samplesOnly = try Visualization.sampleGrid(image, samples: [mask, mask], columns: 4)
        let withRaters = try Visualization.sampleGrid(
            image, samples: [mask, mask], raters: [mask, mask, mask], columns: 4)
        let factor = Visualization.displayFactor(width: 64, height: 48, minimumSide: 256)
        XCTAssertEqual(factor, 4)
        XCTAssertGreaterThanOrEqual(withRaters.width, 3 * 64 * factor)
        XCTAssertGreaterThan(withRaters.height, samplesOnly.height + 48 * factor)
        // Tile labels: white glyph pixels on a black box at each tile's top-left corner.
        let header = 7 * 2 + 16
        let corner = (0..<20).flatMap { y in (0..<30).map { x in rgb(samplesOnly, 8 + x, header + y) } }
        XCTAssertTrue(corner.contains([0, 0, 0]) && corner.contains([255, 255, 255]))
        XCTAssertThrowsError(try Visualization.sampleGrid(image, samples: [], columns: 4))
        let single = try Visualization.sampleGrid(image, samples: [mask], columns: 4)
        XCTAssertGreaterThanOrEqual(single.width, 512)
    }

    func testDifferentLabelsDrawDifferentPixels() throws {
        let (image, _) = try inputs()
        let a = Visualization.legendFigure(image, entries: [("S1", .yellow)])
        let b = Visualization.legendFigure(image, entries: [("S7", .yellow)])
        XCTAssertEqual([a.width, a.height], [b.width, b.height])
        XCTAssertNotEqual(a.pixels, b.pixels)
        XCTAssertGreaterThanOrEqual(a.width, 512)
    }
}
