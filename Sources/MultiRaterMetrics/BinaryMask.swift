/// A binary mask of `width x height` pixels, bit-packed in row-major order.
///
/// Pixel `(x, y)` has linear index `i = y * width + x` and lives in bit `i % 64` (least significant
/// bit first) of `words[i / 64]`. Bits past `width * height` in the last word are always zero, so
/// population counts of whole words are exact.
public struct BinaryMask: Sendable, Hashable {
    /// Width in pixels (columns).
    public let width: Int
    /// Height in pixels (rows).
    public let height: Int
    /// The packed bits; `(width * height + 63) / 64` words.
    public private(set) var words: [UInt64]

    /// Number of pixels, `width * height`.
    public var pixelCount: Int { width * height }

    /// Number of 64-bit words needed for `pixelCount` bits.
    static func wordCount(_ pixels: Int) -> Int { (pixels + 63) >> 6 }

    /// An all-background mask.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "negative mask size")
        self.width = width
        self.height = height
        self.words = [UInt64](repeating: 0, count: Self.wordCount(width * height))
    }

    /// A mask from packed words (layout as documented on the type).
    /// - Throws: `MetricError.countMismatch` if the word count is wrong; bits past the last pixel are cleared.
    public init(width: Int, height: Int, words: [UInt64]) throws {
        let needed = Self.wordCount(width * height)
        guard words.count == needed else { throw MetricError.countMismatch(expected: needed, found: words.count) }
        self.width = width
        self.height = height
        self.words = words
        clearTail()
    }

    /// A mask from one value per pixel (row-major); `predicate` decides foreground.
    init<C: Collection>(width: Int, height: Int, values: C, isForeground: (C.Element) -> Bool) throws {
        guard values.count == width * height else {
            throw MetricError.countMismatch(expected: width * height, found: values.count)
        }
        self.init(width: width, height: height)
        var index = 0
        for value in values {
            if isForeground(value) { words[index >> 6] |= 1 << UInt64(index & 63) }
            index += 1
        }
    }

    /// A mask from bytes, row-major: any non-zero byte is foreground.
    public init(width: Int, height: Int, bytes: [UInt8]) throws {
        try self.init(width: width, height: height, values: bytes) { $0 != 0 }
    }

    /// A mask from booleans, row-major.
    public init(width: Int, height: Int, bools: [Bool]) throws {
        try self.init(width: width, height: height, values: bools) { $0 }
    }

    /// A mask from floats, row-major: foreground where `value > threshold` (default 0).
    public init(width: Int, height: Int, floats: [Float], threshold: Float = 0) throws {
        try self.init(width: width, height: height, values: floats) { $0 > threshold }
    }

    /// A mask from doubles, row-major: foreground where `value > threshold` (default 0).
    public init(width: Int, height: Int, doubles: [Double], threshold: Double = 0) throws {
        try self.init(width: width, height: height, values: doubles) { $0 > threshold }
    }

    /// The pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Bool {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel out of range")
            let i = y * width + x
            return words[i >> 6] & (1 << UInt64(i & 63)) != 0
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel out of range")
            let i = y * width + x
            if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
        }
    }

    /// Number of foreground pixels.
    public var foregroundCount: Int {
        var total = 0
        for w in words { total &+= w.nonzeroBitCount }
        return total
    }

    /// True when no pixel is foreground.
    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// Fraction of foreground pixels (0 for a zero-size mask).
    public var foregroundFraction: Double { pixelCount == 0 ? 0 : Double(foregroundCount) / Double(pixelCount) }

    /// Throws unless `other` has the same width and height.
    public func checkSameSize(as other: BinaryMask) throws {
        guard width == other.width && height == other.height else {
            throw MetricError.sizeMismatch(expected: "\(width)x\(height)", found: "\(other.width)x\(other.height)")
        }
    }

    /// `|self ∩ other|`. - Throws: `MetricError.sizeMismatch`.
    public func intersectionCount(with other: BinaryMask) throws -> Int {
        try checkSameSize(as: other)
        return Self.andCount(words, other.words, 0, words.count)
    }

    /// `|self ∪ other|`. - Throws: `MetricError.sizeMismatch`.
    public func unionCount(with other: BinaryMask) throws -> Int {
        try checkSameSize(as: other)
        var total = 0
        for i in 0..<words.count { total &+= (words[i] | other.words[i]).nonzeroBitCount }
        return total
    }

    /// Popcount of `a & b` over words `lower..<upper`.
    @inline(__always)
    static func andCount(_ a: [UInt64], _ b: [UInt64], _ lower: Int, _ upper: Int) -> Int {
        guard lower < upper else { return 0 }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var total = 0
                for i in lower..<upper { total &+= (pa[i] & pb[i]).nonzeroBitCount }
                return total
            }
        }
    }

    /// One byte per pixel, row-major: 1 for foreground, 0 for background.
    public func bytes(foreground: UInt8 = 1) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixelCount)
        for i in 0..<pixelCount where words[i >> 6] & (1 << UInt64(i & 63)) != 0 { out[i] = foreground }
        return out
    }

    mutating func clearTail() {
        let rem = pixelCount & 63
        if rem != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(rem)) - 1 }
    }

    /// Replaces the packed words in place (same count); used by the morphology helpers.
    mutating func setWords(_ newWords: [UInt64]) {
        precondition(newWords.count == words.count)
        words = newWords
        clearTail()
    }
}
