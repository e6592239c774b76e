/// Errors raised while interpreting a PyTorch `.pth` state dict. Messages name the archive and key.
public enum TorchCheckpointError: Error, CustomStringConvertible, Equatable {
    case missingMember(archive: String, member: String)
    case badByteOrder(archive: String, value: String)
    case badVersion(archive: String, value: String)
    case notAStateDict(archive: String, reason: String)
    case badTensor(archive: String, name: String, reason: String)
    case unknownStorageType(archive: String, name: String, storageType: String)
    case missingStorage(archive: String, name: String, key: String)
    case storageTooSmall(archive: String, name: String, key: String, neededBytes: Int, availableBytes: Int)
    case nonContiguous(archive: String, name: String, key: String, shape: [Int], stride: [Int])
    case wrongDType(name: String, expected: String, actual: String)
    case misaligned(name: String)
    case tensorNotFound(archive: String, name: String)

    public var description: String {
        switch self {
        case let .missingMember(archive, member):
            return "\(archive): checkpoint has no member '\(member)'"
        case let .badByteOrder(archive, value):
            return "\(archive): checkpoint byteorder is '\(value)', only 'little' is supported"
        case let .badVersion(archive, value):
            return "\(archive): unrecognized checkpoint version '\(value)'"
        case let .notAStateDict(archive, reason):
            return "\(archive): not a state dict: \(reason)"
        case let .badTensor(archive, name, reason):
            return "\(archive): tensor '\(name)': \(reason)"
        case let .unknownStorageType(archive, name, storageType):
            return "\(archive): tensor '\(name)': unknown storage type \(storageType)"
        case let .missingStorage(archive, name, key):
            return "\(archive): tensor '\(name)': storage '\(key)' has no data member"
        case let .storageTooSmall(archive, name, key, needed, available):
            return "\(archive): tensor '\(name)': needs \(needed) bytes of storage '\(key)', which has only \(available)"
        case let .nonContiguous(archive, name, key, shape, stride):
            return "\(archive): tensor '\(name)' (storage '\(key)') is not C-contiguous: shape \(shape), stride \(stride)"
        case let .wrongDType(name, expected, actual):
            return "tensor '\(name)': expected dtype \(expected), have \(actual)"
        case let .misaligned(name):
            return "tensor '\(name)': data is not aligned for direct Float access; use floats()"
        case let .tensorNotFound(archive, name):
            return "\(archive): no tensor named '\(name)'"
        }
    }
}
