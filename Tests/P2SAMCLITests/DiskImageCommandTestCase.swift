import Foundation
import MedImageIO
import XCTest

/// Shared setup of the CLI tests that prompt LiteMedSAM on one small image: a fresh temporary
/// folder holding `disk.png`, a 200x240 grey image (a smooth texture plus a bright disk of radius
/// 28 centred at x 150, y 90, so the box `115,55,185,125` encloses it).
class DiskImageCommandTestCase: XCTestCase {
    var directory: URL!
    var imagePath: String { path("disk.png") }

    override func setUpWithError() throws {
        directory = try CLIRunner.temporaryDirectory()
        var pixels = [Float](repeating: 0, count: 200 * 240)
        for y in 0..<200 {
            for x in 0..<240 {
                let d = (Double(x - 150) * Double(x - 150) + Double(y - 90) * Double(y - 90)).squareRoot()
                pixels[y * 240 + x] = Float(60 + 40 * sin(Double(x) / 17) * cos(Double(y) / 23) + (d < 28 ? 120 : 0))
            }
        }
        try PNG.write(try MedicalImage(width: 240, height: 200, channels: 1, pixels: pixels), to: imagePath)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// `name` inside the test's temporary folder.
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
