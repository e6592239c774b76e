import Foundation
import MultiRaterMetrics

/// A decoded raster: `channels` interleaved samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA),
/// row-major, as unsigned integers of `bitDepth` bits (8 or 16).
public struct DecodedRaster: Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    public var samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        self.width = width; self.height = height; self.channels = channels; self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Number of colour channels (alpha excluded).
    public var colourChannels: Int { channels == 2 || channels == 4 ? channels - 1 : channels }

    /// Foreground where any colour channel is non-zero (`zeroIsForeground: false`), or where all
    /// colour channels are zero (`true`, e.g. BU-BIL expert masks where the cell is black). Alpha is ignored.
    public func mask(zeroIsForeground: Bool = false) -> BinaryMask {
        var mask = BinaryMask(width: width, height: height)
        let colour = colourChannels
        for y in 0..<height {
            for x in 0..<width {
                let base = (y * width + x) * channels
                var any = false
                for c in 0..<colour where samples[base + c] != 0 { any = true; break }
                if any != zeroIsForeground { mask[x, y] = true }
            }
        }
        return mask
    }

    /// The colour channels as a `CaseImage` (grey, or RGB), values as stored (0...255 or 0...65535).
    public func caseImage(name: String) throws -> CaseImage {
        let colour = colourChannels == 1 ? 1 : 3
        var pixels = [Float](repeating: 0, count: width * height * colour)
        for p in 0..<(width * height) {
            for c in 0..<colour { pixels[p * colour + c] = Float(samples[p * channels + c]) }
        }
        return try CaseImage(width: width, height: height, channels: colour, pixels: pixels,
                             sourceType: bitDepth == 16 ? "uint16" : "uint8", name: name)
    }
}

/// PNG input/output used by the readers, the exporter and the CLI (backed by MedImageIO).
public enum ImageFiles {
    /// Decodes a PNG file. - Throws: `DataError.invalidFile` naming the file.
    public static func readPNG(_ url: URL) throws -> DecodedRaster {
        throw DataError.unsupported("\(url.path): PNG reading needs MedImageIO (branch helper/imageio not merged yet)")
    }

    /// Writes an 8-bit grey (channels 1) or RGB (channels 3) PNG.
    public static func writePNG(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to url: URL) throws {
        throw DataError.unsupported("\(url.path): PNG writing needs MedImageIO (branch helper/imageio not merged yet)")
    }

    /// PNG files directly inside `folder`, sorted by natural order (`m2` before `m10`).
    public static func pngFiles(in folder: URL) throws -> [URL] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw DataError.invalidFile(path: folder.path, reason: "cannot list folder")
        }
        return names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { folder.appendingPathComponent($0) }
    }

    /// Whether `url` is a directory.
    public static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }
}
