import MultiRaterMetrics
import XCTest

final class BinaryMaskTests: XCTestCase {
    func testConstructorsAgree() throws {
        let bytes: [UInt8] = [0, 255, 1, 0, 0, 7]
        let a = try BinaryMask(width: 3, height: 2, bytes: bytes)
        let b = try BinaryMask(width: 3, height: 2, bools: bytes.map { $0 != 0 })
        let c = try BinaryMask(width: 3, height: 2, floats: [0, 0.9, 0.2, -1, 0, 3])
        let d = try BinaryMask(width: 3, height: 2, doubles: [0, 0.9, 0.4, 0, 0, 3], threshold: 0.5)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
        XCTAssertNotEqual(a, d)
        XCTAssertEqual(a.foregroundCount, 3)
        XCTAssertTrue(a[1, 0])
        XCTAssertTrue(a[2, 1])
        XCTAssertFalse(a[0, 1])
        XCTAssertEqual(a.bytes(), [0, 1, 1, 0, 0, 1])
    }

    func testWrongCountThrows() {
        XCTAssertThrowsError(try BinaryMask(width: 3, height: 3, bytes: [1, 2]))
        XCTAssertThrowsError(try BinaryMask(width: 100, height: 1, words: [0]))
    }

    func testTailBitsAreCleared() throws {
        let m = try BinaryMask(width: 10, height: 1, words: [UInt64.max])
        XCTAssertEqual(m.foregroundCount, 10)
    }

    func testMismatchedSizesThrow() {
        let a = BinaryMask(width: 4, height: 4)
        let b = BinaryMask(width: 4, height: 5)
        XCTAssertThrowsError(try intersectionOverUnion(a, b)) { error in
            XCTAssertEqual(error as? MetricError, .sizeMismatch(expected: "4x4", found: "4x5"))
        }
        XCTAssertThrowsError(try diceCoefficient(a, b))
        XCTAssertThrowsError(try MultiRaterScore(samples: [a], raters: [b]))
        XCTAssertThrowsError(try MultiRaterScore(samples: [a, b], raters: [a]))
    }

    func testEmptySetsThrow() {
        let a = BinaryMask(width: 4, height: 4)
        XCTAssertThrowsError(try MultiRaterScore(samples: [], raters: [a]))
        XCTAssertThrowsError(try MultiRaterScore(samples: [a], raters: []))
    }

    func testEmptyConventions() throws {
        let empty = BinaryMask(width: 5, height: 3)
        var full = empty
        full[2, 1] = true
        XCTAssertEqual(try intersectionOverUnion(empty, empty), 1)
        XCTAssertEqual(try diceCoefficient(empty, empty), 1)
        XCTAssertEqual(try intersectionOverUnion(empty, full), 0)
        XCTAssertEqual(try diceCoefficient(full, empty), 0)
        XCTAssertEqual(try intersectionOverUnion(full, full), 1)
    }

    /// Dilation/erosion against a per-pixel implementation, on sizes that straddle word boundaries.
    func testMorphologyMatchesNaive() {
        var rng = TestRandom(seed: 11)
        for (w, h) in [(1, 1), (7, 5), (64, 3), (65, 4), (128, 6), (13, 17)] {
            for _ in 0..<5 {
                var m = BinaryMask(width: w, height: h)
                for y in 0..<h { for x in 0..<w where rng.uniform() < 0.5 { m[x, y] = true } }
                let dil = m.dilated()
                let ero = m.eroded()
                for y in 0..<h {
                    for x in 0..<w {
                        let nb = [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)].map { (nx, ny) in
                            nx >= 0 && nx < w && ny >= 0 && ny < h && m[nx, ny]
                        }
                        XCTAssertEqual(dil[x, y], m[x, y] || nb.contains(true), "dilate \(w)x\(h) at \(x),\(y)")
                        XCTAssertEqual(ero[x, y], m[x, y] && !nb.contains(false), "erode \(w)x\(h) at \(x),\(y)")
                    }
                }
            }
        }
    }
}
