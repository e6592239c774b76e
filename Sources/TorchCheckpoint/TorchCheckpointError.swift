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
        case .missingMember(let archive, let member):
            return "\(archive): checkpoint has no member '\(member)'"
        case .badByteOrder(let archive, let value):
            return "\(archive): checkpoint byteorder is '\(value)', only 'little' is supported"
        case .badVersion(let archive, let value):
            return "\(archive): unrecognized checkpoint version '\(value)'"
        case .notAStateDict(let archive, let reason):
            return "\(archive): not a state dict: \(reason)"
        case .badTensor(let archive, let name, let reason):
            return "\(archive): tensor '\(name)': \(reason)"
        case .unknownStorageType(let archive, let name, let storageType):
            return "\(archive): tensor '\(name)': unknown storage type \(storageType)"
        case .missingStorage(let archive, let name, let key):
            return "\(archive): tensor '\(name)': storage '\(key)' has no data member"
        case .storageTooSmall(let archive, let name, let key, let needed, let available):
            return
                "\(archive): tensor '\(name)': needs \(needed) bytes of storage '\(key)', which has only \(available)"
        case .nonContiguous(let archive, let name, let key, let shape, let stride):
            return
                "\(archive): tensor '\(name)' (storage '\(key)') is not C-contiguous: shape \(shape), stride \(stride)"
        case .wrongDType(let name, let expected, let actual):
            return "tensor '\(name)': expected dtype \(expected), have \(actual)"
        case .misaligned(let name):
            return "tensor '\(name)': data is not aligned for direct Float access; use floats()"
        case .tensorNotFound(let archive, let name):
            return "\(archive): no tensor named '\(name)'"
        }
    }
}
