import Foundation
import XCTest

/// Helpers shared by the MedImageIO tests. Fixtures live in `Tests/MedImageIOTests/Fixtures`
/// (see `make_fixtures.py` there); tests never read anything outside the bundle.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures") else {
            throw XCTSkip("fixture \(name) missing from the test bundle")
        }
        return url
    }

    static func path(_ name: String) throws -> String { try url(name).path }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    /// A raw little-endian float32 file.
    static func float32(_ name: String) throws -> [Float] {
        let data = try bytes(name)
        precondition(data.count % 4 == 0)
        return (0..<(data.count / 4)).map { i in
            let bits =
                UInt32(data[4 * i]) | UInt32(data[4 * i + 1]) << 8
                | UInt32(data[4 * i + 2]) << 16 | UInt32(data[4 * i + 3]) << 24
            return Float(bitPattern: bits)
        }
    }

    /// `source_u8(h, w, c)` of make_fixtures.py: deterministic HWC test image.
    static func sourceU8(height: Int, width: Int, channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: height * width * channels)
        for y in 0..<height {
            for x in 0..<width {
                for k in 0..<channels {
                    let v = (x * x * 3 + y * 7 + x * y + k * 85 + (y * y) / 5) % 256
                    out[(y * width + x) * channels + k] = Float(v)
                }
            }
        }
        return out
    }

    /// `logits_field()` of make_fixtures.py: (2, 256, 256) planar float32.
    static func logitsField() -> [Float] {
        var out = [Float](repeating: 0, count: 2 * 256 * 256)
        for y in 0..<256 {
            for x in 0..<256 {
                let xx = Double(x)
                let yy = Double(y)
                out[y * 256 + x] = Float(6.0 * sin(xx * 0.05) * cos(yy * 0.07) + 0.01 * xx - 1.0)
                out[65536 + y * 256 + x] = Float(4.0 * cos((xx + 2.0 * yy) * 0.031) - 0.5)
            }
        }
        return out
    }

    /// A fresh directory under the system temporary directory, removed when `test` finishes.
    static func temporaryDirectory(removedAfter test: XCTestCase? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("MedImageIOTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test?.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Largest absolute difference and number of differing elements.
func compare(_ a: [Float], _ b: [Float], tolerance: Float = 0) -> (maxAbs: Float, count: Int) {
    precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
    var maxAbs: Float = 0
    var count = 0
    for i in a.indices {
        let d = abs(a[i] - b[i])
        if !(d <= tolerance) { count += 1 }
        if d > maxAbs || d.isNaN { maxAbs = d }
    }
    return (maxAbs, count)
}
