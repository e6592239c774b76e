/// Errors raised by `PickleReader`. Messages name the source, the opcode and the byte offset.
public enum PickleError: Error, CustomStringConvertible, Equatable {
    case globalNotAllowed(source: String, global: String, offset: Int)
    case truncated(source: String, opcode: String, offset: Int, needed: Int, remaining: Int)
    case unknownOpcode(source: String, byte: UInt8, offset: Int)
    case unsupportedOpcode(source: String, opcode: String, offset: Int)
    case malformed(source: String, opcode: String, offset: Int, reason: String)
    case limitExceeded(source: String, limit: String, value: Int, offset: Int)
    case missingStop(source: String, length: Int)
    case trailingBytes(source: String, offset: Int, count: Int)
    case structure(source: String, reason: String)

    public var description: String {
        switch self {
        case let .globalNotAllowed(source, global, offset):
            return "\(source): pickle references a global outside the whitelist: \(global) (at offset \(offset))"
        case let .truncated(source, opcode, offset, needed, remaining):
            return "\(source): \(opcode) at offset \(offset) needs \(needed) bytes but only \(remaining) remain "
                + "(truncated or corrupt pickle)"
        case let .unknownOpcode(source, byte, offset):
            return "\(source): unknown pickle opcode 0x\(String(byte, radix: 16)) at offset \(offset)"
        case let .unsupportedOpcode(source, opcode, offset):
            return "\(source): unsupported pickle opcode \(opcode) at offset \(offset)"
        case let .malformed(source, opcode, offset, reason):
            return "\(source): malformed pickle: \(opcode) at offset \(offset): \(reason)"
        case let .limitExceeded(source, limit, value, offset):
            return "\(source): pickle exceeds the \(limit) limit of \(value) (at offset \(offset))"
        case let .missingStop(source, length):
            return "\(source): pickle ends after \(length) bytes without a STOP opcode"
        case let .trailingBytes(source, offset, count):
            return "\(source): \(count) unexpected bytes after STOP at offset \(offset)"
        case let .structure(source, reason):
            return "\(source): \(reason)"
        }
    }
}
