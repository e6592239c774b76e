/// Element types of PyTorch storages that can be loaded.
public enum TorchDType: String, Sendable, CaseIterable {
    case float16, float32, float64, int32, int64

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .float16: return 2
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// Whether the type is a floating-point type.
    public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 }

    /// The dtype for a legacy storage class name such as `FloatStorage`.
    init?(storageClass: String) {
        switch storageClass {
        case "FloatStorage": self = .float32
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        default: return nil
        }
    }
}

/// One named tensor of a state dict, viewing its bytes in the (memory-mapped) checkpoint.
///
/// The record keeps the archive's mapping alive, so its data stays valid as long as the record exists.
public struct TorchTensor: Sendable {
    /// The state-dict key, e.g. `mask_decoder.mask_tokens.weight`.
    public let name: String
    /// The dimensions (empty for a scalar).
    public let shape: [Int]
    /// The element type.
    public let dtype: TorchDType
    /// The storage member key (`<root>/data/<key>`).
    public let storageKey: String
    /// Offset of the first element within the storage, in elements.
    public let storageOffset: Int
    let storage: ZipMemberData

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The tensor's little-endian element bytes (C order).
    public var rawBytes: UnsafeRawBufferPointer {
        let start = storageOffset * dtype.elementSize
        return UnsafeRawBufferPointer(rebasing: storage.bytes[start..<start + count * dtype.elementSize])
    }

    /// Zero-copy access to a float32 tensor; valid while this record (or a copy) is alive.
    public func floatBuffer() throws -> UnsafeBufferPointer<Float> {
        guard dtype == .float32 else {
            throw TorchCheckpointError.wrongDType(name: name, expected: "float32", actual: dtype.rawValue)
        }
        let raw = rawBytes
        guard count == 0 || Int(bitPattern: raw.baseAddress) % MemoryLayout<Float>.alignment == 0 else {
            throw TorchCheckpointError.misaligned(name: name)
        }
        return raw.bindMemory(to: Float.self)
    }

    /// A copy of the elements of a floating-point tensor as `Float`.
    public func floats() throws -> [Float] {
        let raw = rawBytes
        switch dtype {
        case .float32: return (0..<count).map { Float(bitPattern: raw.loadLE(UInt32.self, at: 4 * $0)) }
        case .float64: return (0..<count).map { Float(Double(bitPattern: raw.loadLE(UInt64.self, at: 8 * $0))) }
        case .float16: return (0..<count).map { halfToFloat(raw.loadLE(UInt16.self, at: 2 * $0)) }
        case .int32, .int64:
            throw TorchCheckpointError.wrongDType(name: name, expected: "a floating-point type", actual: dtype.rawValue)
        }
    }

    /// A copy of the elements of an integer tensor as `Int64`.
    public func int64s() throws -> [Int64] {
        let raw = rawBytes
        switch dtype {
        case .int64: return (0..<count).map { raw.loadLE(Int64.self, at: 8 * $0) }
        case .int32: return (0..<count).map { Int64(raw.loadLE(Int32.self, at: 4 * $0)) }
        default:
            throw TorchCheckpointError.wrongDType(name: name, expected: "an integer type", actual: dtype.rawValue)
        }
    }
}
