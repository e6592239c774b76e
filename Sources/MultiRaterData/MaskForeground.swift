import Foundation
import MultiRaterMetrics

/// Which pixel value of a mask PNG marks the foreground.
///
/// Most tools store masks as 0 = background and a non-zero value (1 or 255) = foreground; some (BU-BIL
/// exports, many microscopy tools) store the object as 0 (black) on a white background.
public enum MaskForeground: String, Sendable, CaseIterable {
    /// Any non-zero colour value is foreground (the usual 0/255 or 0/1 masks).
    case nonZero = "255"
    /// Zero is foreground (black object on a white background).
    case zero = "0"
    /// Per mask: the value that covers less of the image is foreground (ties: non-zero).
    case auto

    /// The foreground of `raster`, which must hold at most two distinct colour values.
    ///
    /// - Parameter path: the file, named in the error.
    /// - Throws: `DataError.invalidFile` when the raster has more than two distinct values (a photo or
    ///   an anti-aliased drawing, not a mask).
    public func mask(of raster: DecodedRaster, path: String) throws -> BinaryMask {
        let values = raster.distinctColourValues(limit: 3)
        if values.count > 2 {
            let shown = values.map { $0.map(String.init).joined(separator: "/") }.joined(separator: ", ")
            throw DataError.invalidFile(path: path, reason: "not a binary mask: it holds more than two pixel values (\(shown), …); a mask holds background 0 and one foreground value")
        }
        let nonZero = raster.mask(zeroIsForeground: false)
        switch self {
        case .nonZero: return nonZero
        case .zero: return raster.mask(zeroIsForeground: true)
        case .auto: return nonZero.foregroundFraction > 0.5 ? raster.mask(zeroIsForeground: true) : nonZero
        }
    }
}

extension DecodedRaster {
    /// The first `limit` distinct colour-value tuples in scan order (alpha ignored).
    func distinctColourValues(limit: Int) -> [[UInt16]] {
        let colour = colourChannels
        var seen: [[UInt16]] = []
        var pixel = [UInt16](repeating: 0, count: colour)
        for i in 0..<(width * height) {
            for c in 0..<colour { pixel[c] = samples[i * channels + c] }
            if !seen.contains(pixel) {
                seen.append(pixel)
                if seen.count >= limit { break }
            }
        }
        return seen
    }
}

extension ImageFiles {
    /// Reads one mask PNG with the given foreground rule. - Throws: `DataError.invalidFile` naming the file.
    public static func readMask(_ url: URL, foreground: MaskForeground = .nonZero) throws -> BinaryMask {
        try foreground.mask(of: readPNG(url), path: url.path)
    }
}
