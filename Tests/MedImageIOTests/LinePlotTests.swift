import MedImageIO
import XCTest

/// `Visualization.linePlot`: every series drawn in its colour, points placed by value, one x position allowed.
final class LinePlotTests: XCTestCase {
    /// The pixels of `image` (RGB) equal to `color`.
    func count(_ color: RGBColor, in image: MedicalImage) -> Int {
        (0..<(image.width * image.height)).filter { i in
            image.pixels[3 * i] == Float(color.red) && image.pixels[3 * i + 1] == Float(color.green)
                && image.pixels[3 * i + 2] == Float(color.blue)
        }.count
    }

    func testSeriesAreDrawnInTheirColoursWithHigherValuesHigher() throws {
        let rising = RGBColor(10, 200, 30)
        let falling = RGBColor(200, 20, 220)
        let plot = Visualization.linePlot(
            title: "VOLUME", xLabels: ["0", "1", "2"], yLabel: "ML",
            series: [
                .init(label: "A", color: rising, values: [1, 5, 10]),
                .init(label: "B", color: falling, values: [10, 5, 0]),
            ])
        XCTAssertEqual(plot.channels, 3)
        // Each line: 7x7 markers at 3 points plus the segments and the legend square.
        XCTAssertGreaterThan(count(rising, in: plot), 3 * 49)
        XCTAssertGreaterThan(count(falling, in: plot), 3 * 49)
        // The rising series' leftmost pixel is lower (larger y) than its rightmost; the falling one the reverse.
        func ends(_ color: RGBColor) -> (leftY: Int, rightY: Int) {
            var points: [(x: Int, y: Int)] = []
            // Only the plot area (above the legend, which starts below the axis labels).
            for y in 0..<(plot.height - 80) {
                for x in 0..<plot.width {
                    let i = 3 * (y * plot.width + x)
                    if plot.pixels[i] == Float(color.red) && plot.pixels[i + 1] == Float(color.green)
                        && plot.pixels[i + 2] == Float(color.blue)
                    {
                        points.append((x, y))
                    }
                }
            }
            let left = points.min { $0.x < $1.x }!
            let right = points.max { $0.x < $1.x }!
            return (left.y, right.y)
        }
        XCTAssertGreaterThan(ends(rising).leftY, ends(rising).rightY)
        XCTAssertLessThan(ends(falling).leftY, ends(falling).rightY)
        // One x position and all-zero values draw without trapping.
        let single = Visualization.linePlot(
            title: "ONE", xLabels: ["7"], yLabel: "VOXELS", series: [.init(label: "A", color: rising, values: [0])])
        XCTAssertGreaterThan(count(rising, in: single), 49)
    }
}
