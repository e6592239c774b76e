/// Numeric NumPy element types supported by `NumpyArray` (stored little-endian in memory).
public enum NumpyDType: String, Sendable, CaseIterable {
    case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16, .float16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// The NumPy type code without byte order, e.g. `f4`.
    public var typeCode: String {
        switch self {
        case .bool: return "b1"
        case .int8: return "i1"
        case .uint8: return "u1"
        case .int16: return "i2"
        case .uint16: return "u2"
        case .int32: return "i4"
        case .uint32: return "u4"
        case .int64: return "i8"
        case .uint64: return "u8"
        case .float16: return "f2"
        case .float32: return "f4"
        case .float64: return "f8"
        }
    }

    /// The little-endian NumPy `descr` string, e.g. `<f4` or `|u1`.
    public var descr: String { (itemSize == 1 ? "|" : "<") + typeCode }

    /// The dtype for a type code such as `f4` (no byte-order character), if supported.
    public init?(typeCode: String) {
        guard let match = NumpyDType.allCases.first(where: { $0.typeCode == typeCode }) else { return nil }
        self = match
    }
}

/// The element layout described by a NumPy `descr` string, including text types.
enum NumpyElementLayout: Equatable {
    case numeric(NumpyDType, bigEndian: Bool)
    /// `<U n` / `>U n`: fixed-width UTF-32 strings of `n` code points.
    case unicode(characters: Int, bigEndian: Bool)
    /// `|S n`: fixed-width byte strings of `n` bytes.
    case byteString(Int)

    var itemSize: Int {
        switch self {
        case .numeric(let dtype, _): return dtype.itemSize
        case .unicode(let n, _): return 4 * n
        case .byteString(let n): return n
        }
    }

    /// Parses a descr such as `<f4`, `>i2`, `|b1`, `<U12`, `|S5`.
    static func parse(_ descr: String, source: String) throws -> NumpyElementLayout {
        let chars = Array(descr)
        guard chars.count >= 2, "<>|=".contains(chars[0]) else {
            if descr.hasPrefix("O") || descr.hasPrefix("|O") {
                throw NumpyError.unsupportedDType(source: source, descr: descr, reason: "object arrays are refused")
            }
            throw NumpyError.unsupportedDType(source: source, descr: descr, reason: "unrecognized type string")
        }
        let order = chars[0]
        let code = String(chars[1...])
        let bigEndian = order == ">"
        switch chars[1] {
        case "O":
            throw NumpyError.unsupportedDType(source: source, descr: descr, reason: "object arrays are refused")
        case "U":
            guard let n = Int(String(chars[2...])), n > 0, n <= 1 << 20 else {
                throw NumpyError.unsupportedDType(source: source, descr: descr, reason: "bad unicode width")
            }
            return .unicode(characters: n, bigEndian: bigEndian)
        case "S":
            guard let n = Int(String(chars[2...])), n > 0, n <= 1 << 22 else {
                throw NumpyError.unsupportedDType(source: source, descr: descr, reason: "bad byte-string width")
            }
            return .byteString(n)
        default:
            guard let dtype = NumpyDType(typeCode: code) else {
                throw NumpyError.unsupportedDType(
                    source: source, descr: descr, reason: "unsupported type code '\(code)'")
            }
            if dtype.itemSize > 1 && order == "|" {
                throw NumpyError.unsupportedDType(
                    source: source, descr: descr,
                    reason: "multi-byte type without byte order")
            }
            return .numeric(dtype, bigEndian: bigEndian && dtype.itemSize > 1)
        }
    }
}
