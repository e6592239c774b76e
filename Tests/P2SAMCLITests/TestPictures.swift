import Foundation
import MedImageIO

/// Small PNG files for the CLI tests: masks, grey photos and RGB pictures.
enum TestPictures {
    /// A grey mask: `value` where `inside`, else `background`.
    static func writeMask(
        _ url: URL, width: Int = 16, height: Int = 16, value: Float = 255, background: Float = 0,
        _ inside: (Int, Int) -> Bool
    ) throws {
        var pixels = [Float](repeating: background, count: width * height)
        for y in 0..<height { for x in 0..<width where inside(x, y) { pixels[y * width + x] = value } }
        try write(url, try MedicalImage(width: width, height: height, channels: 1, bitDepth: 8, pixels: pixels))
    }

    /// A grey gradient (many values: a photo, not a mask).
    static func writeGradient(_ url: URL, width: Int = 16, height: Int = 16) throws {
        let pixels = (0..<(width * height)).map { Float(($0 * 7) % 256) }
        try write(url, try MedicalImage(width: width, height: height, channels: 1, bitDepth: 8, pixels: pixels))
    }

    /// An RGB picture of another size (like the tool's grid.png).
    static func writeColourPicture(_ url: URL, width: Int, height: Int) throws {
        let pixels = (0..<(width * height * 3)).map { Float(($0 * 13) % 256) }
        try write(url, try MedicalImage(width: width, height: height, channels: 3, bitDepth: 8, pixels: pixels))
    }

    private static func write(_ url: URL, _ image: MedicalImage) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNG.write(image, to: url.path)
    }
}
