import Foundation
import MedImageIO
import XCTest

final class PNGTests: XCTestCase {
    func testSixteenBitGreyReadsRawValues() throws {
        // Hand-written by make_fixtures.py (zlib + struct, no gAMA chunk).
        let image = try PNG.read(contentsOf: Fixture.path("png_grey16.png"))
        XCTAssertEqual(image.bitDepth, 16)
        XCTAssertEqual(image.channels, 1)
        XCTAssertEqual(image.width, 5)
        XCTAssertEqual(image.height, 2)
        XCTAssertEqual(image.pixels, [0, 1, 1000, 40000, 65535, 65535, 40000, 1000, 1, 0])
    }

    func testSixteenBitRoundTrip() throws {
        let values: [Float] = [0, 1, 1000, 40000, 65535, 12345]
        let image = try MedicalImage(width: 3, height: 2, channels: 1, bitDepth: 16, pixels: values)
        let dir = try Fixture.temporaryDirectory(removedAfter: self)
        let path = dir.appendingPathComponent("grey16.png").path
        try PNG.write(image, to: path)
        let back = try PNG.read(contentsOf: path)
        XCTAssertEqual(back, image)
        // And in memory, RGB 16-bit.
        let rgb = try MedicalImage(width: 2, height: 1, channels: 3, bitDepth: 16, pixels: values)
        XCTAssertEqual(try PNG.decode(PNG.encode(rgb)), rgb)
    }

    /// Encoding is one compression pass into a buffer of libpng's worst-case size: incompressible noise (the worst
    /// case), a flat image and a 1-pixel image, in every written layout, encode within the bound and decode back.
    func testEncodingFitsTheWorstCaseBoundAndRoundTrips() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func noise(_ count: Int, _ maximum: Float) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float((state >> 33) % UInt64(maximum + 1))
            }
        }
        for (width, height) in [(1, 1), (37, 5), (300, 211)] {
            for (channels, bitDepth) in [(1, 8), (3, 8), (1, 16), (3, 16)] {
                let maximum: Float = bitDepth == 16 ? 65535 : 255
                let count = width * height * channels
                for pixels in [noise(count, maximum), [Float](repeating: 7, count: count)] {
                    let image = try MedicalImage(
                        width: width, height: height, channels: channels, bitDepth: bitDepth, pixels: pixels)
                    let bytes = try PNG.encode(image)
                    let bound = PNG.encodedSizeBound(
                        width: width, height: height, channels: channels, is16: bitDepth == 16)
                    XCTAssertLessThanOrEqual(bytes.count, bound, "\(width)x\(height)x\(channels) \(bitDepth)-bit")
                    XCTAssertEqual(try PNG.decode(bytes), image, "\(width)x\(height)x\(channels) \(bitDepth)-bit")
                }
            }
        }
    }

    func testSixteenBitRGBAndGreyAlpha() throws {
        let rgb = try PNG.read(contentsOf: Fixture.path("png_rgb16.png"))
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.bitDepth, 16)
        XCTAssertEqual(rgb.pixels, [0, 1, 1000, 40000, 65535, 12345])
        // Grey + alpha: opaque pixels exact; libpng premultiplies 16-bit output, the reader undoes it.
        let ga = try PNG.read(contentsOf: Fixture.path("png_ga16.png"))
        XCTAssertEqual(ga.channels, 1)
        XCTAssertEqual(ga.pixels[0], 0)
        XCTAssertEqual(ga.pixels[1], 1)
        XCTAssertEqual(ga.pixels[2], 1000)
        XCTAssertEqual(ga.pixels[3], 40000, accuracy: 2)  // alpha 32768: within 65535/alpha levels
        XCTAssertEqual(ga.pixels[4], 65535)
    }

    func testEightBitAlphaIsDroppedWithoutPremultiplication() throws {
        let ga = try PNG.read(contentsOf: Fixture.path("png_ga8.png"))
        XCTAssertEqual(ga.channels, 1)
        XCTAssertEqual(ga.bitDepth, 8)
        XCTAssertEqual(ga.pixels, [200, 200, 200])  // alpha 255, 128, 0
        let rgba = try PNG.read(contentsOf: Fixture.path("png_rgba8.png"))
        XCTAssertEqual(rgba.channels, 3)
        XCTAssertEqual(rgba.pixels, [10, 20, 30, 200, 100, 50])  // second pixel has alpha 64
    }

    func testPaletteAndGrey8() throws {
        let palette = try PNG.read(contentsOf: Fixture.path("png_palette.png"))
        XCTAssertEqual(palette.channels, 3)
        XCTAssertEqual(palette.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255])  // tRNS alpha 255, 0, 128 dropped
        let grey = try PNG.read(contentsOf: Fixture.path("png_grey8.png"))
        XCTAssertEqual(grey.channels, 1)
        XCTAssertEqual(grey.pixels, [0, 1, 128, 255])
    }

    func testEightBitRoundTripGreyRGBAndMask() throws {
        let grey = try MedicalImage(width: 3, height: 2, channels: 1, pixels: [0, 1, 127, 128, 254, 255])
        XCTAssertEqual(try PNG.decode(PNG.encode(grey)), grey)
        let rgb = try MedicalImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 250, 251, 252])
        XCTAssertEqual(try PNG.decode(PNG.encode(rgb)), rgb)
        let mask = try MaskImage(width: 3, height: 1, pixels: [0, 1, 0])
        let path = try Fixture.temporaryDirectory(removedAfter: self).appendingPathComponent("mask.png").path
        try PNG.write(mask, to: path)
        XCTAssertEqual(try PNG.read(contentsOf: path).pixels, [0, 255, 0])
        // Values are rounded and clamped on write.
        let odd = try MedicalImage(width: 3, height: 1, channels: 1, pixels: [-3, 12.6, 300])
        XCTAssertEqual(try PNG.decode(PNG.encode(odd)).pixels, [0, 13, 255])
    }

    // MARK: Bad input

    private func assertDecodeError(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PNG.read(contentsOf: path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path), "message should name the file: \(text)", file: file, line: line)
            print("expected error:", text)
        }
    }

    func testCorruptTruncatedAndNonPNGFilesGiveErrors() throws {
        let dir = try Fixture.temporaryDirectory(removedAfter: self)
        let image = try MedicalImage(
            width: 64, height: 64, channels: 3,
            pixels: (0..<(64 * 64 * 3)).map { Float(($0 * 37) % 256) })
        let good = try PNG.encode(image)

        let truncated = dir.appendingPathComponent("truncated.png").path
        try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: truncated))
        assertDecodeError(truncated)

        let headerOnly = dir.appendingPathComponent("header-only.png").path
        try Data(good.prefix(20)).write(to: URL(fileURLWithPath: headerOnly))
        assertDecodeError(headerOnly)

        // Flip bytes inside the IDAT payload (CRC mismatch / zlib error).
        var flipped = good
        let idat = Array("IDAT".utf8)
        let start = (0..<(flipped.count - 4)).first { Array(flipped[$0..<($0 + 4)]) == idat }!
        for i in (start + 10)..<(start + 40) { flipped[i] ^= 0x5A }
        let corrupt = dir.appendingPathComponent("corrupt.png").path
        try Data(flipped).write(to: URL(fileURLWithPath: corrupt))
        assertDecodeError(corrupt)

        let text = dir.appendingPathComponent("text.png").path
        try "this is not a PNG file\n".write(toFile: text, atomically: true, encoding: .utf8)
        assertDecodeError(text)

        let empty = dir.appendingPathComponent("empty.png").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        assertDecodeError(empty)

        assertDecodeError(dir.appendingPathComponent("missing.png").path)
        XCTAssertThrowsError(try PNG.decode([]))
    }

    func testImagesLargerThanLimitAreRefused() throws {
        let path = try Fixture.path("png_too_wide.png")
        XCTAssertThrowsError(try PNG.read(contentsOf: path)) { error in
            XCTAssertEqual(
                error as? MedImageIOError,
                .imageTooLarge(path: path, width: 9000, height: 1, limit: 8192))
            XCTAssertTrue("\(error)".contains("9000x1"))
        }
    }

    func testWriteToUnwritablePathFails() throws {
        let image = try MedicalImage(width: 1, height: 1, channels: 1, pixels: [0])
        XCTAssertThrowsError(try PNG.write(image, to: "/nonexistent-dir/x.png")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir/x.png"))
        }
    }
}
