import Foundation
import LiteMedSAM
import MedImageIO
import XCTest

final class VisualizationTests: XCTestCase {
    /// Set MEDIMAGEIO_RENDER_DIR to keep the rendered PNGs for a visual check.
    private func outputDirectory() throws -> URL {
        if let dir = ProcessInfo.processInfo.environment["MEDIMAGEIO_RENDER_DIR"] {
            let url = URL(fileURLWithPath: dir)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
        return try Fixture.temporaryDirectory(removedAfter: self)
    }

    private func ctImageAndMask() throws -> (MedicalImage, MaskImage, [Float]) {
        let image = try MedicalImage(width: 128, height: 128, channels: 1, pixels: Fixture.float32("ct_source_u8.f32"))
        let logits = try Fixture.float32("ct_box_single_post128.f32")
        let mask = LiteMedSAMPostprocessor.threshold(logits, count: 1, height: 128, width: 128)[0]
        return (image, mask, logits)
    }

    func testOverlayDrawsFillContourBoxAndPoints() throws {
        let (image, mask, _) = try ctImageAndMask()
        let box = BoundingBox(x0: 40, y0: 30, x1: 90, y1: 80)
        let points = [PromptPoint(x: 64, y: 55), PromptPoint(x: 20, y: 100, isPositive: false)]
        let out = try Visualization.overlay(image, mask: mask, box: box, points: points)
        XCTAssertEqual(out.channels, 3)
        XCTAssertEqual(out.bitDepth, 8)
        XCTAssertEqual(out.width, 128)
        // Outside mask/box/points the pixel is the grey image.
        let g = image[5, 5, 0]
        XCTAssertEqual([out[5, 5, 0], out[5, 5, 1], out[5, 5, 2]], [g, g, g])
        // Box outline: cyan at (x0, y0 + 2) unless covered by the mask.
        XCTAssertEqual([out[32, 40, 0], out[32, 40, 1], out[32, 40, 2]], [0, 220, 255])
        // Disc centres: green / red.
        XCTAssertEqual([out[55, 64, 0], out[55, 64, 1], out[55, 64, 2]], [40, 210, 60])
        XCTAssertEqual([out[100, 20, 0], out[100, 20, 1], out[100, 20, 2]], [230, 40, 40])
        // Interior mask pixels are blended, contour pixels are solid yellow.
        var interior = 0
        var contour = 0
        for y in 1..<127 {
            for x in 1..<127
            where mask[y, x] != 0 && (abs(x - 64) > 6 || abs(y - 55) > 6) && (abs(x - 20) > 6 || abs(y - 100) > 6) {
                let isEdge = mask[y - 1, x] == 0 || mask[y + 1, x] == 0 || mask[y, x - 1] == 0 || mask[y, x + 1] == 0
                let onBox = x == 40 || x == 90 || y == 30 || y == 80
                if onBox { continue }
                if isEdge {
                    XCTAssertEqual([out[y, x, 0], out[y, x, 1], out[y, x, 2]], [255, 220, 0])
                    contour += 1
                } else {
                    let v = image[y, x, 0]
                    XCTAssertEqual(out[y, x, 0], (v * 0.65 + 255 * 0.35).rounded(), accuracy: 1)
                    XCTAssertEqual(out[y, x, 2], (v * 0.65).rounded(), accuracy: 1)
                    interior += 1
                }
            }
        }
        XCTAssertGreaterThan(interior, 0)
        XCTAssertGreaterThan(contour, 0)
        let dir = try outputDirectory()
        try PNG.write(out, to: dir.appendingPathComponent("overlay.png").path)
        try PNG.write(mask, to: dir.appendingPathComponent("mask.png").path)
        XCTAssertThrowsError(try Visualization.overlay(image, mask: MaskImage(zerosWidth: 3, height: 3)))
    }

    func testHeatMapUsesColorMapEnds() throws {
        let (_, _, logits) = try ctImageAndMask()
        let probability = logits.map { 1 / (1 + exp(-$0)) }
        // Bernoulli entropy in bits, in [0, 1].
        let entropy = probability.map { p -> Float in
            let q = min(max(p, 1e-7), 1 - 1e-7)
            return -(q * log(q) + (1 - q) * log(1 - q)) / log(2)
        }
        let heat = Visualization.heatMap(entropy, width: 128, height: 128)
        XCTAssertEqual(heat.channels, 3)
        let map = ColorMap.viridisLike
        XCTAssertEqual(map.color(0), RGBColor(68, 1, 84))
        XCTAssertEqual(map.color(1), RGBColor(253, 231, 37))
        XCTAssertEqual(map.color(2), RGBColor(253, 231, 37))
        XCTAssertEqual(map.color(.nan), RGBColor(128, 128, 128))
        XCTAssertEqual(map.color(0.0625), RGBColor(70, 23, 103))  // halfway between anchors 0 and 1
        // Monotone lightness (approximate luma) along the map.
        let luma = (0...20).map { i -> Float in
            let c = map.color(Float(i) / 20)
            return 0.299 * Float(c.red) + 0.587 * Float(c.green) + 0.114 * Float(c.blue)
        }
        XCTAssertEqual(luma, luma.sorted())
        let dir = try outputDirectory()
        try PNG.write(heat, to: dir.appendingPathComponent("entropy_heatmap.png").path)
        let frequency = Visualization.heatMap(probability, width: 128, height: 128, colorMap: .magmaLike)
        try PNG.write(frequency, to: dir.appendingPathComponent("probability_magma.png").path)
        try PNG.write(
            Visualization.colorBar(width: 256, height: 16), to: dir.appendingPathComponent("colorbar.png").path)
    }

    func testGridLayoutAndSeparators() throws {
        let (image, _, logits) = try ctImageAndMask()
        let masks = [-4, -1, 1, 4, 8].map { level in
            LiteMedSAMPostprocessor.threshold(logits, count: 1, height: 128, width: 128, at: Float(level))[0]
        }
        let grid = try Visualization.maskGrid(image, masks: masks, columns: 3)
        XCTAssertEqual(grid.width, 3 * 128 + 2 * 2)
        XCTAssertEqual(grid.height, 2 * 128 + 2)
        // Separator columns 128, 129 and the empty 6th cell are white.
        XCTAssertEqual([grid[10, 128, 0], grid[10, 129, 1]], [255, 255])
        XCTAssertEqual(grid[200, 300, 0], 255)
        // Second tile starts at column 130 and equals a single overlay.
        let single = try Visualization.overlay(image, mask: masks[1])
        XCTAssertEqual(grid[60, 130 + 60, 0], single[60, 60, 0])
        XCTAssertEqual(grid[128 + 2 + 70, 70, 1], try Visualization.overlay(image, mask: masks[3])[70, 70, 1])
        XCTAssertThrowsError(try Visualization.grid([], columns: 2))
        let dir = try outputDirectory()
        try PNG.write(grid, to: dir.appendingPathComponent("mask_grid.png").path)
    }

    func testSixteenBitDisplayIsMinMaxScaled() throws {
        let image = try MedicalImage(width: 3, height: 1, channels: 1, bitDepth: 16, pixels: [1000, 2000, 3000])
        let shown = Visualization.displayImage(image)
        XCTAssertEqual(shown.bitDepth, 8)
        XCTAssertEqual(shown.pixels, [0, 0, 0, 128, 128, 128, 255, 255, 255])
    }
}
