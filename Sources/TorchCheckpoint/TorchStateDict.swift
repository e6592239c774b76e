import Foundation

/// A PyTorch state dict (`torch.save(model.state_dict())`, zip format) loaded without Python.
///
/// `data.pkl` is decoded with a `PickleReader` restricted to `TorchStateDict.allowedGlobals`; each
/// `torch._utils._rebuild_tensor_v2` call becomes a `TorchTensor` that views its storage member
/// zero-copy when the member is stored (as torch writes it).
/// `@unchecked Sendable`: immutable after `init`; its tensors view read-only archive bytes that it keeps alive.
public final class TorchStateDict: @unchecked Sendable {
    /// The globals a state-dict pickle may reference.
    public static let allowedGlobals: Set<PickleGlobal> = [
        PickleGlobal("collections", "OrderedDict"),
        PickleGlobal("torch._utils", "_rebuild_tensor_v2"),
        PickleGlobal("torch", "FloatStorage"),
        PickleGlobal("torch", "LongStorage"),
        PickleGlobal("torch", "IntStorage"),
        PickleGlobal("torch", "DoubleStorage"),
        PickleGlobal("torch", "HalfStorage"),
    ]

    /// The checkpoint archive (kept alive by the tensors too).
    public let archive: ZipArchive
    /// The archive's root folder, e.g. `medsam_lite`.
    public let root: String
    /// The value of the `version` member, if present.
    public let formatVersion: Int?
    /// The tensors in state-dict order.
    public let tensors: [TorchTensor]
    private let index: [String: Int]

    /// Opens the checkpoint at `url`.
    public convenience init(contentsOf url: URL, limits: PickleLimits = PickleLimits()) throws {
        try self.init(archive: ZipArchive(path: url.path), limits: limits)
    }

    /// Interprets an opened checkpoint archive.
    public init(archive: ZipArchive, limits: PickleLimits = PickleLimits()) throws {
        self.archive = archive
        let path = archive.path
        guard let first = archive.entries.first?.name, let slash = first.firstIndex(of: "/") else {
            throw TorchCheckpointError.missingMember(archive: path, member: "<root>/data.pkl")
        }
        let root = String(first[..<slash])
        self.root = root

        if let entry = archive.entry(named: "\(root)/byteorder") {
            let value = try archive.contents(of: entry, verifyingCRC: true).withBytes {
                String(decoding: $0, as: UTF8.self)
            }
            guard value.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw TorchCheckpointError.badByteOrder(archive: path, value: value)
            }
        }
        if let entry = archive.entry(named: "\(root)/version") {
            let value = try archive.contents(of: entry, verifyingCRC: true).withBytes {
                String(decoding: $0, as: UTF8.self)
            }
            guard let version = Int(value.trimmingCharacters(in: .whitespacesAndNewlines)), (1...9).contains(version)
            else {
                throw TorchCheckpointError.badVersion(archive: path, value: value)
            }
            formatVersion = version
        } else {
            formatVersion = nil
        }

        guard let pickleEntry = archive.entry(named: "\(root)/data.pkl") else {
            throw TorchCheckpointError.missingMember(archive: path, member: "\(root)/data.pkl")
        }
        let pickle = try archive.contents(of: pickleEntry, verifyingCRC: true)
        let reader = PickleReader(allowedGlobals: Self.allowedGlobals, limits: limits)
        var value = try pickle.withBytes { try reader.read($0, source: "\(path):\(pickleEntry.name)") }
        // OrderedDict's extra attributes (`_metadata`) arrive as a BUILD on the dict.
        while case .build(let object, _) = value { value = object }
        guard case .dict(let pairs) = value else {
            throw TorchCheckpointError.notAStateDict(archive: path, reason: "data.pkl does not hold a dict")
        }

        var builder = TensorBuilder(archive: archive, root: root)
        var tensors: [TorchTensor] = []
        var index: [String: Int] = [:]
        for pair in pairs {
            guard case .string(let name) = pair.key else {
                throw TorchCheckpointError.notAStateDict(archive: path, reason: "a key is not a string: \(pair.key)")
            }
            let tensor = try builder.tensor(named: name, from: pair.value)
            index[name] = tensors.count
            tensors.append(tensor)
        }
        self.tensors = tensors
        self.index = index
    }

    /// The tensor names in state-dict order.
    public var names: [String] { tensors.map(\.name) }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> TorchTensor? {
        index[name].map { tensors[$0] }
    }

    /// The tensor called `name`, or an error naming the archive and key.
    public func tensor(named name: String) throws -> TorchTensor {
        guard let tensor = self[name] else {
            throw TorchCheckpointError.tensorNotFound(archive: archive.path, name: name)
        }
        return tensor
    }

    /// Total number of elements of floating-point tensors.
    public var floatElementCount: Int {
        tensors.filter { $0.dtype.isFloatingPoint }.reduce(0) { $0 + $1.count }
    }
}

/// Loads the PyTorch state dict at `path`.
public func loadStateDict(from path: String) throws -> TorchStateDict {
    try TorchStateDict(archive: ZipArchive(path: path))
}

/// Turns `_rebuild_tensor_v2` records into checked `TorchTensor`s.
struct TensorBuilder {
    let archive: ZipArchive
    let root: String
    private var storages: [String: (ZipMemberData, TorchDType)] = [:]

    init(archive: ZipArchive, root: String) {
        self.archive = archive
        self.root = root
    }

    mutating func tensor(named name: String, from value: PickleValue) throws -> TorchTensor {
        let path = archive.path
        func bad(_ reason: String) -> TorchCheckpointError { .badTensor(archive: path, name: name, reason: reason) }

        guard case .call(.global(let function), let args) = value,
            function == PickleGlobal("torch._utils", "_rebuild_tensor_v2")
        else {
            throw bad("value is not a torch._utils._rebuild_tensor_v2 call")
        }
        guard let items = args.items, items.count == 6 || items.count == 7 else {
            throw bad("_rebuild_tensor_v2 expects 6 or 7 arguments")
        }
        guard case .persistentID(let id) = items[0], let idItems = id.items, idItems.count == 5,
            idItems[0] == .string("storage")
        else {
            throw bad("first argument is not a ('storage', type, key, location, numel) persistent id")
        }
        guard case .global(let storageType) = idItems[1] else {
            let shown =
                idItems[1].stringValue.map { "'\($0)' (a string, not a torch storage class)" } ?? "\(idItems[1])"
            throw TorchCheckpointError.unknownStorageType(archive: path, name: name, storageType: shown)
        }
        guard storageType.module == "torch", let dtype = TorchDType(storageClass: storageType.name) else {
            throw TorchCheckpointError.unknownStorageType(
                archive: path, name: name, storageType: storageType.description)
        }
        guard let key = idItems[2].stringValue else { throw bad("storage key is not a string") }
        guard let declaredCount = idItems[4].intValue, declaredCount >= 0 else {
            throw bad("storage size is not an integer")
        }
        guard let offset = items[1].intValue, offset >= 0 else {
            throw bad("storage offset is not a non-negative integer")
        }
        guard let shapeItems = items[2].items, let strideItems = items[3].items else {
            throw bad("size and stride must be tuples")
        }
        let shape = try shapeItems.map { item -> Int in
            guard let d = item.intValue, d >= 0 else { throw bad("size \(items[2]) has a bad dimension") }
            return d
        }
        let stride = try strideItems.map { item -> Int in
            guard let s = item.intValue else { throw bad("stride \(items[3]) has a non-integer entry") }
            return s
        }
        guard shape.count == stride.count else { throw bad("size \(shape) and stride \(stride) differ in rank") }
        guard let count = NumpyArray.elementCount(shape) else { throw bad("size \(shape) is too large") }

        // Only C-contiguous layouts are accepted (strides of size-1 dimensions do not matter).
        // (Empty tensors have no layout to check, and their partial products could overflow.)
        var expected = 1
        for d in stride.indices.reversed() where count > 0 {
            if shape[d] != 1 && stride[d] != expected {
                throw TorchCheckpointError.nonContiguous(
                    archive: path, name: name, key: key, shape: shape, stride: stride)
            }
            expected *= shape[d]
        }

        let storage = try storageData(key: key, dtype: dtype, name: name)
        let available = storage.bytes.count
        let declaredBytes = declaredCount.multipliedReportingOverflow(by: dtype.elementSize)
        guard !declaredBytes.overflow, declaredBytes.partialValue <= available else {
            throw TorchCheckpointError.storageTooSmall(
                archive: path, name: name, key: key,
                neededBytes: declaredBytes.overflow ? Int.max : declaredBytes.partialValue,
                availableBytes: available)
        }
        let extent = offset.addingReportingOverflow(count)
        let neededBytes = extent.partialValue.multipliedReportingOverflow(by: dtype.elementSize)
        guard !extent.overflow, !neededBytes.overflow, count == 0 || neededBytes.partialValue <= available else {
            throw TorchCheckpointError.storageTooSmall(
                archive: path, name: name, key: key,
                neededBytes: neededBytes.overflow || extent.overflow ? Int.max : neededBytes.partialValue,
                availableBytes: available)
        }
        return TorchTensor(
            name: name, shape: shape, dtype: dtype, storageKey: key,
            storageOffset: count == 0 ? 0 : offset, storage: storage)
    }

    private mutating func storageData(key: String, dtype: TorchDType, name: String) throws -> ZipMemberData {
        if let (data, knownType) = storages[key] {
            guard knownType == dtype else {
                throw TorchCheckpointError.badTensor(
                    archive: archive.path, name: name,
                    reason: "storage '\(key)' is used as both \(knownType.rawValue) and \(dtype.rawValue)")
            }
            return data
        }
        guard let entry = archive.entry(named: "\(root)/data/\(key)") else {
            throw TorchCheckpointError.missingStorage(archive: archive.path, name: name, key: key)
        }
        let data = try archive.contents(of: entry)
        storages[key] = (data, dtype)
        return data
    }
}
