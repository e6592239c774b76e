/// Errors raised while reading a zip archive. Every message names the archive and the problem.
public enum ZipError: Error, CustomStringConvertible, Equatable {
    case notAZip(archive: String, reason: String)
    case truncated(archive: String, what: String, offset: Int, length: Int, fileSize: Int)
    case corrupt(archive: String, reason: String)
    case unsupported(archive: String, member: String, reason: String)
    case memberNotFound(archive: String, member: String)
    case inflateFailed(archive: String, member: String, reason: String)
    case sizeMismatch(archive: String, member: String, declared: Int, actual: Int)
    case checksumMismatch(archive: String, member: String, expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .notAZip(let archive, let reason):
            return "\(archive): not a zip archive: \(reason)"
        case .truncated(let archive, let what, let offset, let length, let fileSize):
            return "\(archive): truncated or corrupt zip: \(what) at offset \(offset) (length \(length)) "
                + "extends beyond the end of the file (\(fileSize) bytes)"
        case .corrupt(let archive, let reason):
            return "\(archive): corrupt zip: \(reason)"
        case .unsupported(let archive, let member, let reason):
            return "\(archive): member '\(member)': unsupported: \(reason)"
        case .memberNotFound(let archive, let member):
            return "\(archive): no member named '\(member)'"
        case .inflateFailed(let archive, let member, let reason):
            return "\(archive): member '\(member)': inflate failed: \(reason)"
        case .sizeMismatch(let archive, let member, let declared, let actual):
            return "\(archive): member '\(member)': declared uncompressed size \(declared) but data "
                + "\(actual > declared ? "exceeds it" : "has \(actual) bytes")"
        case .checksumMismatch(let archive, let member, let expected, let actual):
            return "\(archive): member '\(member)': crc32 mismatch (directory says "
                + "\(hex(expected)), data gives \(hex(actual)))"
        }
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}
