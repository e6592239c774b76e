import Foundation
import MedImageIO
import XCTest

/// `Visualization.titledGrid`: tiles brought to the tile side (shrunk by area, enlarged by an integer factor),
/// titles in each tile's corner, the legend's colour squares, and refused inputs.
final class TitledGridTests: XCTestCase {
    func rgb(_ image: MedicalImage, _ x: Int, _ y: Int) -> [Float] { (0..<3).map { image[y, x, $0] } }

    /// A `width x height` grey picture of constant `value`.
    func flat(_ width: Int, _ height: Int, _ value: Float) throws -> MedicalImage {
        try MedicalImage(
            width: width, height: height, channels: 1, pixels: [Float](repeating: value, count: width * height))
    }

    func testTilesAreFittedTitledAndTheLegendIsDrawn() throws {
        // A large tile (shrunk to 64 px on its longer side) and a small one (enlarged 4x to 64).
        let tiles = [(try flat(256, 128, 100), "z 0"), (try flat(16, 16, 200), "z 1"), (try flat(30, 10, 50), "z 2")]
        let figure = try Visualization.titledGrid(
            tiles.map { (picture: $0.0, title: $0.1) }, columns: 2,
            legend: [("1 RV", RGBColor(255, 0, 0)), ("2 LV", RGBColor(0, 255, 255))],
            tileSide: 64)
        let pad = 10
        let gap = 4
        // Two columns of 64 px cells and two rows (the first row is 64 high: the enlarged 16x16 tile).
        XCTAssertEqual(figure.width, 2 * pad + 2 * 64 + gap)
        let line = 7 * 2 + 8
        XCTAssertEqual(figure.height, pad + (64 + gap + 64) + pad + 2 * line + pad)
        // Tile 0 is 64x32 (area-averaged grey 100): inside it away from the title, and white below it.
        XCTAssertEqual(rgb(figure, pad + 40, pad + 25), [100, 100, 100])
        XCTAssertEqual(rgb(figure, pad + 40, pad + 40), [255, 255, 255])
        // Tile 1 (16 px, enlarged 4x to 64): grey 200 at its bottom-right corner.
        XCTAssertEqual(rgb(figure, pad + 64 + gap + 63, pad + 63), [200, 200, 200])
        // Tile 2 (30x10, enlarged 2x to 60x20) in the second row.
        XCTAssertEqual(rgb(figure, pad + 59, pad + 64 + gap + 19), [50, 50, 50])
        XCTAssertEqual(rgb(figure, pad + 61, pad + 64 + gap + 19), [255, 255, 255])
        // Titles: black and white text pixels in each tile's top-left corner.
        for (x, y) in [(pad, pad), (pad + 64 + gap, pad), (pad, pad + 64 + gap)] {
            let corner = (0..<18).flatMap { dy in (0..<30).map { dx in rgb(figure, x + dx, y + dy) } }
            XCTAssertTrue(corner.contains([0, 0, 0]) && corner.contains([255, 255, 255]), "title at \(x),\(y)")
        }
        // Legend: one colour square per entry, in order.
        let legendTop = pad + 64 + gap + 64 + pad
        XCTAssertEqual(rgb(figure, pad + 5, legendTop + 5), [255, 0, 0])
        XCTAssertEqual(rgb(figure, pad + 5, legendTop + line + 5), [0, 255, 255])
    }

    func testDifferentTitlesDrawDifferentPixels() throws {
        let picture = try flat(32, 32, 80)
        let a = try Visualization.titledGrid([(picture, "z 3")], columns: 4, legend: [])
        let b = try Visualization.titledGrid([(picture, "z 8")], columns: 4, legend: [])
        XCTAssertEqual([a.width, a.height], [b.width, b.height])
        XCTAssertNotEqual(a.pixels, b.pixels)
        XCTAssertEqual(a.width, 2 * 10 + Visualization.defaultTileSide)
    }

    func testRefusedInputs() throws {
        let picture = try flat(8, 8, 0)
        XCTAssertThrowsError(try Visualization.titledGrid([], columns: 2, legend: []))
        XCTAssertThrowsError(try Visualization.titledGrid([(picture, "a")], columns: 0, legend: []))
        XCTAssertThrowsError(try Visualization.titledGrid([(picture, "a")], columns: 1, legend: [], tileSide: 8))
    }
}
