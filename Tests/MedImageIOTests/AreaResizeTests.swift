import LiteMedSAM
import MedImageIO
import XCTest

/// cv2.INTER_AREA parity: fixtures `area_HxWxC.u8` are `cv2.resize(source_u8(H, W, C), (neww, newh),
/// INTER_AREA)` with the LiteMedSAM target size (longest side 256), made by make_fixtures.py.
final class AreaResizeTests: XCTestCase {
    static let cases: [(Int, Int, Int)] = [
        (100, 130, 3), (128, 128, 3), (220, 300, 3), (811, 1024, 3), (300, 220, 3),
        (60, 90, 3), (60, 90, 1), (811, 1024, 1), (512, 384, 3), (97, 61, 1),
        (97, 61, 3), (150, 101, 1), (40, 7, 1), (255, 250, 1),
    ]

    func testMatchesOpenCVInterAreaOnUInt8() throws {
        var report: [String] = []
        for (h, w, c) in Self.cases {
            let size = LiteMedSAMPreprocessor.targetSize(height: h, width: w)
            let src = Fixture.sourceU8(height: h, width: w, channels: c)
            let expected = try Fixture.bytes("area_\(h)x\(w)x\(c).u8").map(Float.init)
            let got = AreaResize.resize(
                src, width: w, height: h, channels: c,
                newWidth: size.width, newHeight: size.height, rounding: .uint8)
            let (maxAbs, count) = compare(got, expected)
            if count > 0 {
                let nw = size.width * c
                let diffs = got.indices.filter { got[$0] != expected[$0] }.prefix(12).map {
                    "(\($0 / nw),\($0 % nw)) got \(got[$0]) cv2 \(expected[$0])"
                }
                print("DIFF \(h)x\(w)x\(c):", diffs)
            }
            report.append("\(h)x\(w)x\(c)->\(size.height)x\(size.width): max \(maxAbs), \(count) differ")
            // Target: bit-identical to cv2.
            XCTAssertEqual(maxAbs, 0, "\(h)x\(w)x\(c): max abs diff \(maxAbs) levels on \(count) samples")
        }
        print("INTER_AREA parity:", report.joined(separator: "; "))
    }

    func testExactTwoTimesEnlargementIsReplication() {
        let src: [Float] = [0, 10, 20, 30]  // 2x2 grey
        let out = AreaResize.resize(src, width: 2, height: 2, channels: 1, newWidth: 4, newHeight: 4, rounding: .uint8)
        XCTAssertEqual(out, [0, 0, 10, 10, 0, 0, 10, 10, 20, 20, 30, 30, 20, 20, 30, 30])
    }

    func testFloatModeDoesNotRound() {
        let src: [Float] = [0, 1, 0, 1, 0, 1]  // 1x6 -> 1x4: non-integer area factor 1.5
        let out = AreaResize.resize(src, width: 6, height: 1, channels: 1, newWidth: 4, newHeight: 1, rounding: .none)
        // Cells [0,1.5), [1.5,3), [3,4.5), [4.5,6).
        let expected: [Float] = [1.0 / 3, 1.0 / 3, 2.0 / 3, 2.0 / 3]
        XCTAssertLessThan(compare(out, expected).maxAbs, 1e-6)
    }
}
