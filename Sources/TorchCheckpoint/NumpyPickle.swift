import Foundation

/// Errors raised while turning pickled NumPy objects into arrays.
public enum NumpyPickleError: Error, CustomStringConvertible, Equatable {
    case badArray(source: String, reason: String)

    public var description: String {
        switch self {
        case .badArray(let source, let reason): return "\(source): cannot decode pickled ndarray: \(reason)"
        }
    }
}

/// Loads Python pickles of plain containers holding NumPy arrays (e.g. the Probabilistic U-Net
/// `data_lidc.pickle`), resolving every ndarray into `.array(NumpyArray)`.
///
/// Only the globals in `allowedGlobals` may appear. Arrays are recognised by NumPy's reduce protocol:
/// `_reconstruct(ndarray, (0,), b'b')` followed by BUILD with
/// `(version, shape, dtype, is_fortran, rawdata)`, where `dtype` is `dtype(code, False, True)` with
/// BUILD state `(3, byteorder, ...)` and `rawdata` is bytes (or, in protocol 2, `_codecs.encode(text, 'latin1')`).
public enum NumpyPickle {
    /// The globals a NumPy pickle may reference.
    public static let allowedGlobals: Set<PickleGlobal> = [
        PickleGlobal("numpy.core.multiarray", "_reconstruct"),
        PickleGlobal("numpy._core.multiarray", "_reconstruct"),
        PickleGlobal("numpy", "ndarray"),
        PickleGlobal("numpy", "dtype"),
        PickleGlobal("_codecs", "encode"),
        PickleGlobal("collections", "OrderedDict"),
    ]

    /// Reads and resolves the pickle file at `url`.
    public static func load(contentsOf url: URL, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let file = try MappedFile(path: url.path)
        return try file.withBytes { try load($0, source: url.path, limits: limits) }
    }

    /// Reads and resolves pickle bytes; `source` names them in error messages.
    public static func load(_ data: UnsafeRawBufferPointer, source: String, limits: PickleLimits = PickleLimits())
        throws -> PickleValue
    {
        let tree = try PickleReader(allowedGlobals: allowedGlobals, limits: limits).read(data, source: source)
        return try resolve(tree, source: source)
    }

    /// Replaces every pickled ndarray in `value` by `.array`.
    public static func resolve(_ value: PickleValue, source: String) throws -> PickleValue {
        switch value {
        case .build(let object, let state):
            if case .call(.global(let function), _) = object, function.name == "_reconstruct" {
                return .array(try decodeArray(state: state, source: source))
            }
            return .build(try resolve(object, source: source), state: try resolve(state, source: source))
        case .list(let items): return .list(try items.map { try resolve($0, source: source) })
        case .tuple(let items): return .tuple(try items.map { try resolve($0, source: source) })
        case .set(let items): return .set(try items.map { try resolve($0, source: source) })
        case .dict(let pairs):
            return .dict(
                try pairs.map {
                    PicklePair(key: try resolve($0.key, source: source), value: try resolve($0.value, source: source))
                })
        case .call(let function, let args):
            return .call(try resolve(function, source: source), args: try resolve(args, source: source))
        case .persistentID(let id): return .persistentID(try resolve(id, source: source))
        default: return value
        }
    }

    private static func decodeArray(state: PickleValue, source: String) throws -> NumpyArray {
        func bad(_ reason: String) -> NumpyPickleError { .badArray(source: source, reason: reason) }
        guard var items = state.items else { throw bad("state is not a tuple") }
        if items.count == 5 { items.removeFirst() }  // drop the state version
        guard items.count == 4 else { throw bad("state has \(items.count) items, expected 4 or 5") }
        guard let dims = items[0].items else { throw bad("shape is not a tuple") }
        let shape = try dims.map { d -> Int in
            guard let n = d.intValue, n >= 0 else { throw bad("shape \(items[0]) has a bad dimension") }
            return n
        }
        let descr = try dtypeDescr(items[1], bad: bad)
        guard let fortran = items[2].intValue else { throw bad("is_fortran is not a bool") }
        let raw: [UInt8]
        switch items[3] {
        case .bytes(let b): raw = b
        case .string(let text):
            // Python 2 pickles keep the data in a str; latin-1 maps it back to bytes.
            raw = try text.unicodeScalars.map { s -> UInt8 in
                guard s.value < 256 else { throw bad("raw data string has a character outside latin-1") }
                return UInt8(s.value)
            }
        default:
            throw bad("raw data is not bytes (object arrays are refused)")
        }
        let layout: NumpyElementLayout
        do {
            layout = try NumpyElementLayout.parse(descr, source: source)
        } catch {
            throw bad("\(error)")
        }
        guard case .numeric(let dtype, let bigEndian) = layout else {
            throw bad("dtype '\(descr)' is not numeric")
        }
        // elementCount caps the count at Int.max / 16, so the product below cannot overflow.
        guard let count = NumpyArray.elementCount(shape), count * dtype.itemSize == raw.count else {
            throw bad("shape \(shape) of \(descr) needs a different byte count than the \(raw.count) bytes present")
        }
        var bytes = raw
        if bigEndian { NPY.swapBytes(&bytes, itemSize: dtype.itemSize) }
        if fortran != 0 && shape.count > 1 { bytes = NPY.fortranToC(bytes, shape: shape, itemSize: dtype.itemSize) }
        return try NumpyArray(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The `descr` string (e.g. `<f4`) of a pickled `numpy.dtype`.
    private static func dtypeDescr(_ value: PickleValue, bad: (String) -> NumpyPickleError) throws -> String {
        var call = value
        var order = "|"
        if case .build(let object, let state) = value {
            call = object
            guard let items = state.items, items.count >= 2, let endian = items[1].stringValue else {
                throw bad("dtype state is not (version, byteorder, ...)")
            }
            if items.count >= 4, items[3] != .none { throw bad("structured dtypes are refused") }
            order = endian == "=" ? "<" : endian
        }
        guard case .call(.global(let function), let args) = call, function == PickleGlobal("numpy", "dtype"),
            let code = args.items?.first?.stringValue
        else {
            throw bad("dtype is not a numpy.dtype(...) call")
        }
        if code.hasPrefix("O") { throw bad("object arrays are refused") }
        return order + code
    }
}
