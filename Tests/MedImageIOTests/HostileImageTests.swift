import LiteMedSAM
import MedImageIO
import XCTest

/// Issue 16: images that used to trap (extreme aspect ratios) or be misread silently (palette indices).
final class HostileImageTests: XCTestCase {
    /// Defect 3: 2049x1, 1x2049 and 8192x2 reached `AreaResize`'s precondition (signal 4).
    func testExtremeAspectRatioIsRefusedWithTheLimit() throws {
        for (width, height) in [(2049, 1), (1, 2049), (8192, 2), (513, 1)] {
            let image = try MedicalImage(
                width: width, height: height, channels: 1,
                pixels: (0..<width * height).map { Float($0 % 256) })
            XCTAssertThrowsError(try LiteMedSAMPreprocessor.preprocess(image)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("\(width)x\(height)"), message)
                XCTAssertTrue(message.contains("512"), message)
            }
        }
    }

    func testAspectRatioAtTheLimitIsAccepted() throws {
        for (width, height) in [(512, 1), (1, 512), (1024, 2)] {
            let image = try MedicalImage(
                width: width, height: height, channels: 1,
                pixels: (0..<width * height).map { Float($0 % 256) })
            let prepared = try LiteMedSAMPreprocessor.preprocess(image)
            XCTAssertEqual(max(prepared.resizedWidth, prepared.resizedHeight), 256)
            XCTAssertEqual(min(prepared.resizedWidth, prepared.resizedHeight), 1)
        }
    }

    /// Defect 6: a palette index past the end of `PLTE` was expanded to black without a word.
    func testPaletteIndexOutOfRangeIsAnError() throws {
        let path = try Fixture.path("png_palette_bad_index.png")
        XCTAssertThrowsError(try PNG.read(contentsOf: path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("png_palette_bad_index.png"), message)
            XCTAssertTrue(message.contains("palette index 5"), message)
            XCTAssertTrue(message.contains("2 entries"), message)
        }
        // A valid palette file still reads.
        XCTAssertEqual(try PNG.read(contentsOf: Fixture.path("png_palette.png")).channels, 3)
    }
}
