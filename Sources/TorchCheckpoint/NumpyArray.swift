/// A dense N-dimensional NumPy array: C-order, little-endian element bytes.
public struct NumpyArray: Sendable, Equatable {
    /// The element type.
    public var dtype: NumpyDType
    /// The dimensions (empty for a scalar).
    public var shape: [Int]
    /// `count * dtype.itemSize` bytes, C order, little-endian.
    public var bytes: [UInt8]

    /// Creates an array, checking that `bytes` holds exactly `shape`'s element count.
    public init(dtype: NumpyDType, shape: [Int], bytes: [UInt8]) throws {
        guard let count = NumpyArray.elementCount(shape) else {
            throw NumpyError.badShape(source: "NumpyArray", shape: shape)
        }
        let expected = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !expected.overflow, expected.partialValue == bytes.count else {
            throw NumpyError.byteCountMismatch(
                dtype: dtype, shape: shape,
                expected: expected.overflow ? Int.max : expected.partialValue,
                actual: bytes.count)
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Creates a float32 array from `values`.
    public init(float32 values: [Float], shape: [Int]) throws {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        bytes.withUnsafeMutableBytes { out in
            for (i, v) in values.enumerated() {
                out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        try self.init(dtype: .float32, shape: shape, bytes: bytes)
    }

    /// Creates a uint8 array from `values`.
    public init(uint8 values: [UInt8], shape: [Int]) throws {
        try self.init(dtype: .uint8, shape: shape, bytes: values)
    }

    /// The number of elements (the product of the shape; 1 for a scalar).
    public var count: Int { bytes.count / dtype.itemSize }

    /// The elements converted to `Float` (bools become 0 or 1).
    public func floats() -> [Float] {
        map { $0.float }
    }

    /// The elements converted to `Double` (bools become 0 or 1).
    public func doubles() -> [Double] {
        map { $0.double }
    }

    /// The raw elements of a `bool` or `uint8` array.
    public func uint8s() throws -> [UInt8] {
        guard dtype == .bool || dtype == .uint8 else {
            throw NumpyError.wrongDType(expected: "bool or uint8", actual: dtype.rawValue)
        }
        return bytes
    }

    /// The elements of an integer or bool array as `Int64` (uint64 values above `Int64.max` wrap).
    public func int64s() throws -> [Int64] {
        switch dtype {
        case .float16, .float32, .float64:
            throw NumpyError.wrongDType(expected: "an integer or bool type", actual: dtype.rawValue)
        default:
            return map { $0.int64 }
        }
    }

    /// Whether any element is NaN or infinite (always false for integer types).
    public func hasNonFinite() -> Bool {
        switch dtype {
        case .float16, .float32, .float64:
            return bytes.withUnsafeBytes { raw in
                (0..<count).contains { !Element(raw, dtype, $0).double.isFinite }
            }
        default:
            return false
        }
    }

    /// Number of elements for `shape`, or nil if a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let p = n.multipliedReportingOverflow(by: d)
            guard !p.overflow, p.partialValue <= Int.max / 16 else { return nil }
            n = p.partialValue
        }
        return n
    }

    private func map<T>(_ transform: (Element) -> T) -> [T] {
        let n = count
        return bytes.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: n) { out, initialized in
                for i in 0..<n { (out.baseAddress! + i).initialize(to: transform(Element(raw, dtype, i))) }
                initialized = n
            }
        }
    }

    /// One element read from little-endian bytes.
    private struct Element {
        let raw: UnsafeRawBufferPointer
        let dtype: NumpyDType
        let offset: Int

        init(_ raw: UnsafeRawBufferPointer, _ dtype: NumpyDType, _ index: Int) {
            self.raw = raw
            self.dtype = dtype
            offset = index * dtype.itemSize
        }

        var double: Double {
            switch dtype {
            case .float16: return Double(halfToFloat(raw.loadLE(UInt16.self, at: offset)))
            case .float32: return Double(Float(bitPattern: raw.loadLE(UInt32.self, at: offset)))
            case .float64: return Double(bitPattern: raw.loadLE(UInt64.self, at: offset))
            case .uint64: return Double(raw.loadLE(UInt64.self, at: offset))
            default: return Double(int64)
            }
        }

        var float: Float {
            switch dtype {
            case .float16: return halfToFloat(raw.loadLE(UInt16.self, at: offset))
            case .float32: return Float(bitPattern: raw.loadLE(UInt32.self, at: offset))
            case .float64: return Float(Double(bitPattern: raw.loadLE(UInt64.self, at: offset)))
            case .uint64: return Float(raw.loadLE(UInt64.self, at: offset))
            default: return Float(int64)
            }
        }

        var int64: Int64 {
            switch dtype {
            case .bool: return raw[offset] != 0 ? 1 : 0
            case .int8: return Int64(Int8(bitPattern: raw[offset]))
            case .uint8: return Int64(raw[offset])
            case .int16: return Int64(raw.loadLE(Int16.self, at: offset))
            case .uint16: return Int64(raw.loadLE(UInt16.self, at: offset))
            case .int32: return Int64(raw.loadLE(Int32.self, at: offset))
            case .uint32: return Int64(raw.loadLE(UInt32.self, at: offset))
            case .int64: return raw.loadLE(Int64.self, at: offset)
            case .uint64: return Int64(bitPattern: raw.loadLE(UInt64.self, at: offset))
            case .float16, .float32, .float64: return Int64(double)
            }
        }
    }
}

/// Converts IEEE 754 binary16 bits to `Float` (exact for all values, including subnormals, inf, NaN).
public func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24.
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
}
