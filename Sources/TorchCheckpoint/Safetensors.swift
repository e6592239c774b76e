import Foundation
import SAMTensor

/// The tensors and metadata of a safetensors file.
public struct SafetensorsFile: Equatable {
    /// Tensors by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` string map (empty if absent).
    public var metadata: [String: String]

    /// Tensors by name and the `__metadata__` string map.
    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// Reading and writing the safetensors format (F32 tensors):
///
///     [8 bytes: little-endian UInt64 header length N]
///     [N bytes: JSON {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
///                     "__metadata__": {string: string}}, space-padded so the data is 8-aligned]
///     [data: raw little-endian values; offsets relative to the start of the data]
///
/// Reading is strict: the header must be a JSON object of exactly those fields, every dtype F32,
/// and the offsets must tile the data buffer exactly (in range, no overlap, no holes, matching
/// the shapes).
public enum Safetensors {
    static let maximumHeaderLength: UInt64 = 100_000_000

    // MARK: Writing

    /// Serialises tensors (written in name order) and metadata.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws
        -> [UInt8]
    {
        var seen = Set<String>()
        for (name, _) in tensors where !seen.insert(name).inserted { throw SafetensorsError.duplicateName(name) }
        if seen.contains("__metadata__") { throw SafetensorsError.duplicateName("__metadata__") }
        let ordered = tensors.sorted { $0.name < $1.name }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let end = offset + 4 * tensor.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for (_, tensor) in ordered {
            let words = tensor.storage.map { $0.bitPattern.littleEndian }
            words.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: Reading

    /// Parses and validates a file's bytes.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - rejectingNonFinite: throw `nonFiniteValue` if any tensor holds NaN or ±infinity.
    public static func decode(_ bytes: [UInt8], rejectingNonFinite: Bool = false) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw SafetensorsError.truncated("\(bytes.count) bytes, no length prefix") }
        let length = try headerLength(bytes[0..<8])
        guard 8 + Int(length) <= bytes.count else {
            throw SafetensorsError.truncated("header of \(length) bytes in a \(bytes.count)-byte file")
        }
        let object = try headerObject(bytes[8..<(8 + Int(length))])
        let dataStart = 8 + Int(length)
        let dataSize = bytes.count - dataStart
        let metadata = try metadataMap(object)
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, raw) in object where name != "__metadata__" {
            guard let fields = raw as? [String: Any] else {
                throw SafetensorsError.malformedHeader("entry \(name) is not an object")
            }
            guard Set(fields.keys) == ["dtype", "shape", "data_offsets"] else {
                throw SafetensorsError.malformedHeader("entry \(name) has fields \(fields.keys.sorted())")
            }
            guard let dtype = fields["dtype"] as? String else {
                throw SafetensorsError.malformedHeader("\(name).dtype is not a string")
            }
            guard dtype == "F32" else { throw SafetensorsError.unsupportedDType(name: name, dtype: dtype) }
            guard let shape = integers(fields["shape"]) else {
                throw SafetensorsError.malformedHeader("\(name).shape is not a list of non-negative integers")
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
                throw SafetensorsError.malformedHeader("\(name).data_offsets is not two non-negative integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= dataSize else {
                throw SafetensorsError.invalidOffsets("\(name): [\(begin), \(end)] outside the \(dataSize)-byte data")
            }
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw SafetensorsError.invalidOffsets("\(name): shape \(shape) overflows") }
                elements = product
            }
            guard end - begin == 4 * elements else {
                throw SafetensorsError.invalidOffsets("\(name): \(end - begin) bytes for shape \(shape) of F32")
            }
            entries.append((name, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for entry in entries {
            guard entry.begin == cursor else {
                throw SafetensorsError.invalidOffsets(
                    entry.begin < cursor
                        ? "\(entry.name) overlaps the previous tensor" : "hole before \(entry.name)")
            }
            cursor = entry.end
        }
        guard cursor == dataSize else {
            throw SafetensorsError.invalidOffsets("\(dataSize - cursor) trailing bytes after the last tensor")
        }

        var tensors: [String: Tensor] = [:]
        for entry in entries {
            let count = (entry.end - entry.begin) / 4
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    let p = dataStart + entry.begin + 4 * i
                    let word =
                        UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3])
                        << 24
                    buffer[i] = Float(bitPattern: word)
                }
                initialized = count
            }
            if rejectingNonFinite, let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw SafetensorsError.nonFiniteValue(name: entry.name, index: bad)
            }
            tensors[entry.name] = Tensor(shape: entry.shape, storage: values)
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Reads and validates a file.
    public static func read(contentsOf url: URL, rejectingNonFinite: Bool = false) throws -> SafetensorsFile {
        let bytes: Data
        do { bytes = try Data(contentsOf: url) } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? POSIXError
            let reason =
                underlying.map { String(cString: strerror($0.code.rawValue)) } ?? "\(error.localizedDescription)"
            throw SafetensorsError.unreadable(path: url.path, reason: reason)
        }
        return try decode([UInt8](bytes), rejectingNonFinite: rejectingNonFinite)
    }

    /// Reads only a file's `__metadata__`: its length prefix and JSON header, no tensor data, with the header checks
    /// of ``decode(_:rejectingNonFinite:)`` (size bound, UTF-8 JSON object, string values). The tensors are not
    /// checked; read the whole file before using them.
    public static func readMetadata(contentsOf url: URL) throws -> [String: String] {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw SafetensorsError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let prefix = [UInt8](try handle.read(upToCount: 8) ?? Data())
        guard prefix.count == 8 else { throw SafetensorsError.truncated("\(prefix.count) bytes, no length prefix") }
        let length = try headerLength(prefix[0..<8])
        let header = [UInt8](try handle.read(upToCount: Int(length)) ?? Data())
        guard header.count == Int(length) else {
            throw SafetensorsError.truncated("header of \(length) bytes, \(header.count) bytes after the prefix")
        }
        return try metadataMap(try headerObject(header[...]))
    }

    /// The header length of the 8-byte little-endian prefix, bounded by `maximumHeaderLength`.
    private static func headerLength(_ prefix: ArraySlice<UInt8>) throws -> UInt64 {
        var length: UInt64 = 0
        for (i, byte) in prefix.enumerated() { length |= UInt64(byte) << (8 * UInt64(i)) }
        guard length <= maximumHeaderLength else { throw SafetensorsError.headerTooLarge(length) }
        return length
    }

    /// The header's JSON object (UTF-8, starting with `{`).
    private static func headerObject(_ headerBytes: ArraySlice<UInt8>) throws -> [String: Any] {
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw SafetensorsError.malformedHeader("does not start with '{'")
        }
        guard String(bytes: headerBytes, encoding: .utf8) != nil else {
            throw SafetensorsError.malformedHeader("not UTF-8")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw SafetensorsError.malformedHeader("invalid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw SafetensorsError.malformedHeader("not a JSON object") }
        return object
    }

    /// The `__metadata__` string map of a header object (empty if absent).
    private static func metadataMap(_ object: [String: Any]) throws -> [String: String] {
        guard let raw = object["__metadata__"] else { return [:] }
        guard let map = raw as? [String: Any] else {
            throw SafetensorsError.malformedHeader("__metadata__ is not an object")
        }
        var metadata: [String: String] = [:]
        for (key, value) in map {
            guard let string = value as? String else {
                throw SafetensorsError.malformedHeader("__metadata__.\(key) is not a string")
            }
            metadata[key] = string
        }
        return metadata
    }

    /// Non-negative integers from a JSON array, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            // Foundation bridges JSON 0/1 to Bool casts, so tell booleans and reals by their type code.
            let code = String(cString: number.objCType)
            guard code != "c", code != "B", code != "d", code != "f" else { return nil }
            let double = number.doubleValue
            guard double >= 0, double == double.rounded(), double < 9.0e15 else { return nil }
            out.append(Int(double))
        }
        return out
    }
}
