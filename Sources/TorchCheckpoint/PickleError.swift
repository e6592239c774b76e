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
        case .globalNotAllowed(let source, let global, let offset):
            return "\(source): pickle references a global outside the whitelist: \(global) (at offset \(offset))"
        case .truncated(let source, let opcode, let offset, let needed, let remaining):
            return "\(source): \(opcode) at offset \(offset) needs \(needed) bytes but only \(remaining) remain "
                + "(truncated or corrupt pickle)"
        case .unknownOpcode(let source, let byte, let offset):
            return "\(source): unknown pickle opcode 0x\(String(byte, radix: 16)) at offset \(offset)"
        case .unsupportedOpcode(let source, let opcode, let offset):
            return "\(source): unsupported pickle opcode \(opcode) at offset \(offset)"
        case .malformed(let source, let opcode, let offset, let reason):
            return "\(source): malformed pickle: \(opcode) at offset \(offset): \(reason)"
        case .limitExceeded(let source, let limit, let value, let offset):
            return "\(source): pickle exceeds the \(limit) limit of \(value) (at offset \(offset))"
        case .missingStop(let source, let length):
            return "\(source): pickle ends after \(length) bytes without a STOP opcode"
        case .trailingBytes(let source, let offset, let count):
            return "\(source): \(count) unexpected bytes after STOP at offset \(offset)"
        case .structure(let source, let reason):
            return "\(source): \(reason)"
        }
    }
}
