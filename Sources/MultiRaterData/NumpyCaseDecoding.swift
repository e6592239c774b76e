import Foundation
import MultiRaterMetrics
import TorchCheckpoint

/// Conversions from NumPy arrays to images and masks, shared by the `.npz` and pickle readers.
enum NumpyCaseDecoding {
    /// Numeric element type names this project accepts for images.
    static func image(
        from array: NumpyArray, elementOffset: Int, width: Int, height: Int, channels: Int,
        caseID: String, source: String
    ) throws -> CaseImage {
        let count = width * height * channels
        let all = array.floats()
        let slice = Array(all[elementOffset..<(elementOffset + count)])
        if let bad = slice.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidFile(
                path: source,
                reason: "case \(caseID): image value \(slice[bad]) (NaN or infinite) at pixel \(bad / channels)")
        }
        return try CaseImage(
            width: width, height: height, channels: channels, pixels: slice,
            sourceType: array.dtype.rawValue, name: caseID)
    }

    /// Checks that a uint8/bool mask array is binary: values in {0, 1} or in {0, 255}.
    static func checkBinary(_ bytes: [UInt8], source: String) throws {
        var seen = [Bool](repeating: false, count: 256)
        for b in bytes { seen[Int(b)] = true }
        let other = (2..<255).first { seen[$0] }
        if let v = other {
            let at = bytes.firstIndex(of: UInt8(v))!
            throw DataError.invalidFile(
                path: source, reason: "mask values must be 0/1 or 0/255; found \(v) at element \(at)")
        }
        if seen[1] && seen[255] {
            throw DataError.invalidFile(path: source, reason: "mask values mix 1 and 255 (want 0/1 or 0/255)")
        }
    }

    /// A mask from `width * height` bytes starting at `offset` (non-zero = foreground).
    static func mask(_ bytes: [UInt8], offset: Int, width: Int, height: Int) -> BinaryMask {
        var words = [UInt64](repeating: 0, count: (width * height + 63) / 64)
        bytes.withUnsafeBufferPointer { p in
            for i in 0..<(width * height) where p[offset + i] != 0 { words[i >> 6] |= 1 << UInt64(i & 63) }
        }
        return try! BinaryMask(width: width, height: height, words: words)
    }

    /// A mask from `np.packbits(..., axis=-1)` rows (big-endian bit order inside each byte):
    /// `height` rows of `(width + 7) / 8` bytes starting at `offset`.
    static func packedMask(_ bytes: [UInt8], offset: Int, width: Int, height: Int) -> BinaryMask {
        let rowBytes = (width + 7) / 8
        var words = [UInt64](repeating: 0, count: (width * height + 63) / 64)
        bytes.withUnsafeBufferPointer { p in
            if width % 8 == 0 {
                // Byte-aligned: each byte lands inside one word.
                for y in 0..<height {
                    for b in 0..<rowBytes {
                        let byte = p[offset + y * rowBytes + b]
                        if byte == 0 { continue }
                        let base = y * width + 8 * b
                        words[base >> 6] |= UInt64(reversedBits[Int(byte)]) << UInt64(base & 63)
                    }
                }
            } else {
                for y in 0..<height {
                    for x in 0..<width where p[offset + y * rowBytes + x / 8] & (0x80 >> UInt8(x % 8)) != 0 {
                        let i = y * width + x
                        words[i >> 6] |= 1 << UInt64(i & 63)
                    }
                }
            }
        }
        return try! BinaryMask(width: width, height: height, words: words)
    }

    static let reversedBits: [UInt8] = (0..<256).map { v in
        var r: UInt8 = 0
        for k in 0..<8 where v & (1 << k) != 0 { r |= UInt8(0x80 >> k) }
        return r
    }
}
