import Foundation
import MedImageIO
import MultiRaterMetrics

/// A decoded raster: `channels` interleaved samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA),
/// row-major, as unsigned integers of `bitDepth` bits (8 or 16).
public struct DecodedRaster: Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    public var samples: [UInt16]

    /// A raster of `width x height` pixels; `samples` holds `width * height * channels` values, row-major,
    /// channels interleaved.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Number of colour channels (alpha excluded).
    public var colourChannels: Int { channels == 2 || channels == 4 ? channels - 1 : channels }

    /// Foreground where any colour channel is non-zero (`zeroIsForeground: false`), or where all
    /// colour channels are zero (`true`, e.g. BU-BIL expert masks where the cell is black). Alpha is ignored.
    public func mask(zeroIsForeground: Bool = false) -> BinaryMask {
        let colour = colourChannels
        let count = width * height
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        samples.withUnsafeBufferPointer { p in
            for i in 0..<count {
                let base = i * channels
                var any = false
                for c in 0..<colour where p[base + c] != 0 {
                    any = true
                    break
                }
                if any != zeroIsForeground { words[i >> 6] |= 1 << UInt64(i & 63) }
            }
        }
        return try! BinaryMask(width: width, height: height, words: words)
    }

    /// The colour channels as a `CaseImage` (grey, or RGB), values as stored (0...255 or 0...65535).
    public func caseImage(name: String) throws -> CaseImage {
        let colour = colourChannels == 1 ? 1 : 3
        var pixels = [Float](repeating: 0, count: width * height * colour)
        for p in 0..<(width * height) {
            for c in 0..<colour { pixels[p * colour + c] = Float(samples[p * channels + c]) }
        }
        return try CaseImage(
            width: width, height: height, channels: colour, pixels: pixels,
            sourceType: bitDepth == 16 ? "uint16" : "uint8", name: name)
    }
}

/// PNG input/output used by the readers, the exporter and the CLI (backed by MedImageIO).
public enum ImageFiles {
    /// Decodes a PNG file. - Throws: `DataError.invalidFile` naming the file.
    public static func readPNG(_ url: URL) throws -> DecodedRaster {
        let image: MedicalImage
        do { image = try PNG.read(contentsOf: url.path) } catch {
            throw DataError.invalidFile(path: url.path, reason: "\(error)")
        }
        // MedImageIO returns grey or RGB with alpha removed, values as stored.
        return DecodedRaster(
            width: image.width, height: image.height, channels: image.channels,
            bitDepth: image.bitDepth, samples: image.pixels.map { UInt16(min(max($0, 0), 65535)) })
    }

    /// Writes an 8-bit grey (channels 1) or RGB (channels 3) PNG.
    public static func writePNG(_ bytes: [UInt8], width: Int, height: Int, channels: Int, to url: URL) throws {
        do {
            let image = try MedicalImage(
                width: width, height: height, channels: channels, bitDepth: 8,
                pixels: bytes.map(Float.init))
            try PNG.write(image, to: url.path)
        } catch {
            throw DataError.invalidFile(path: url.path, reason: "\(error)")
        }
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
