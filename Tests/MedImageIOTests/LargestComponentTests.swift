import MedImageIO
import XCTest

/// `MaskImage.keepingLargestComponent`: 8-connectivity, the largest region kept, ties to the first in row-major
/// order, empty and one-region masks unchanged.
final class LargestComponentTests: XCTestCase {
    /// A mask from rows of `#` (foreground) and `.` (background).
    static func mask(_ rows: [String]) -> MaskImage {
        MaskImage(
            uncheckedWidth: rows[0].count, height: rows.count,
            pixels: rows.flatMap { $0.map { $0 == "#" ? UInt8(1) : 0 } })
    }

    func testKeepsOnlyTheLargestRegion() {
        let input = Self.mask([
            "##....#",
            "##....#",
            ".......",
            "...###.",
            "...###.",
        ])
        XCTAssertEqual(
            input.keepingLargestComponent(),
            Self.mask([
                ".......",
                ".......",
                ".......",
                "...###.",
                "...###.",
            ]))
    }

    func testDiagonalNeighboursAreOneRegion() {
        // Three pixels touching only by corners form one region of 3, larger than the pair on the right.
        let input = Self.mask([
            "#.....",
            ".#..##",
            "..#...",
        ])
        XCTAssertEqual(
            input.keepingLargestComponent(),
            Self.mask([
                "#.....",
                ".#....",
                "..#...",
            ]))
    }

    func testTiesKeepTheRegionReachedFirstInRowMajorOrder() {
        let input = Self.mask([
            "...##",
            "##...",
        ])
        XCTAssertEqual(input.keepingLargestComponent(), Self.mask(["...##", "....."]))
    }

    func testEmptyAndSingleRegionMasksAreUnchanged() {
        let empty = Self.mask(["....", "...."])
        XCTAssertEqual(empty.keepingLargestComponent(), empty)
        let one = Self.mask([".##.", "##.."])
        XCTAssertEqual(one.keepingLargestComponent(), one)
    }

    /// Foreground values other than 1 count as foreground; the kept region keeps its values.
    func testAnyNonZeroValueIsForeground() {
        let input = MaskImage(uncheckedWidth: 4, height: 1, pixels: [255, 0, 7, 255])
        XCTAssertEqual(input.keepingLargestComponent().pixels, [0, 0, 7, 255])
    }

    /// A large mask whose single region snakes through every row (a recursive flood fill would overflow the stack).
    func testLongSnakingRegionIsOneRegion() {
        let width = 513
        let height = 513
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in stride(from: 0, to: height, by: 2) {
            for x in 0..<width { pixels[y * width + x] = 1 }
            if y + 1 < height { pixels[(y + 1) * width + ((y / 2) % 2 == 0 ? width - 1 : 0)] = 1 }
        }
        let snake = MaskImage(uncheckedWidth: width, height: height, pixels: pixels)
        XCTAssertEqual(snake.keepingLargestComponent(), snake)
        var withSpeck = pixels
        withSpeck[1 * width + 200] = 1  // touches row 0 and row 2: still one region
        let joined = MaskImage(uncheckedWidth: width, height: height, pixels: withSpeck)
        XCTAssertEqual(joined.keepingLargestComponent(), joined)
    }
}
