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

    /// Pixels that may hold a value other than a mask's two main values (stray anti-aliasing or
    /// annotation-tool pixels, as in a few BU-BIL masks): 1 % of the image.
    public static let strayValueTolerance = 0.01

    /// The foreground of `raster`, which must be a two-valued mask: its two most common colour values
    /// cover at least 99 % of the pixels (the rest follow the same rule as the main values).
    ///
    /// - Parameters:
    ///   - raster: the decoded mask picture.
    ///   - path: the file, named in the error.
    /// - Throws: `DataError.invalidFile` for a picture with more values (a photo, a heat map).
    public func mask(of raster: DecodedRaster, path: String) throws -> BinaryMask {
        let census = raster.colourValueCensus()
        if census.otherFraction > Self.strayValueTolerance {
            let shown = census.mainValues.map { $0.map(String.init).joined(separator: "/") }.joined(separator: ", ")
            throw DataError.invalidFile(
                path: path,
                reason: String(
                    format:
                        "not a binary mask: %.0f %% of its pixels hold values other than its two main values (%@); a mask holds a background and one foreground value",
                    100 * census.otherFraction, shown))
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
    /// The two most common colour values (alpha ignored) and the fraction of pixels holding others.
    /// Counts up to eight distinct values exactly; pixels beyond those count as "other".
    func colourValueCensus() -> (mainValues: [[UInt16]], otherFraction: Double) {
        let colour = colourChannels
        let count = width * height
        guard count > 0 else { return ([], 0) }
        var keys: [UInt64] = []
        var counts: [Int] = []
        var overflow = 0
        samples.withUnsafeBufferPointer { p in
            for i in 0..<count {
                var key: UInt64 = 0
                for c in 0..<colour { key = key << 16 | UInt64(p[i * channels + c]) }
                if let k = keys.firstIndex(of: key) {
                    counts[k] += 1
                } else if keys.count < 8 {
                    keys.append(key)
                    counts.append(1)
                } else {
                    overflow += 1
                }
            }
        }
        let order = counts.indices.sorted { counts[$0] > counts[$1] }.prefix(2)
        let main = order.reduce(0) { $0 + counts[$1] }
        let values = order.map { k in
            (0..<colour).reversed().map { UInt16(truncatingIfNeeded: keys[k] >> (16 * UInt64($0))) }
        }
        return (values, Double(count - main) / Double(count))
    }
}

extension ImageFiles {
    /// Reads one mask PNG with the given foreground rule. - Throws: `DataError.invalidFile` naming the file.
    public static func readMask(_ url: URL, foreground: MaskForeground = .nonZero) throws -> BinaryMask {
        try foreground.mask(of: readPNG(url), path: url.path)
    }
}
