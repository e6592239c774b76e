import FileErrors
import Foundation

/// Reading and writing single NumPy arrays in the `.npy` format (versions 1.0, 2.0 and 3.0).
public enum NPY {
    /// Reads a numeric `.npy` file.
    public static func read(contentsOf url: URL) throws -> NumpyArray {
        let file = try MappedFile(path: url.path)
        return try file.withBytes { try read($0, source: url.path) }
    }

    /// Reads a numeric array from `.npy` bytes; `source` names the data in error messages.
    ///
    /// Big-endian data is byte-swapped and Fortran-order data transposed, so the result is always
    /// little-endian C order. String, object and structured dtypes are refused.
    public static func read(_ data: UnsafeRawBufferPointer, source: String) throws -> NumpyArray {
        let header = try NPYHeader.parse(data, source: source)
        guard case .numeric(let dtype, let bigEndian) = header.layout else {
            throw NumpyError.stringArray(source: source, descr: header.descr)
        }
        let section = try header.dataSection(of: data, source: source)
        var bytes = [UInt8](section)
        if bigEndian { swapBytes(&bytes, itemSize: dtype.itemSize) }
        if header.fortranOrder && header.shape.count > 1 {
            bytes = fortranToC(bytes, shape: header.shape, itemSize: dtype.itemSize)
        }
        return try NumpyArray(dtype: dtype, shape: header.shape, bytes: bytes)
    }

    /// Reads a string `.npy` file (`<U n` or `|S n`) as a flat C-order list.
    public static func readStrings(contentsOf url: URL) throws -> [String] {
        let file = try MappedFile(path: url.path)
        return try file.withBytes { try readStrings($0, source: url.path).values }
    }

    /// Reads a string array (`<U n`, `>U n` or `|S n`), returning its shape and C-order values.
    ///
    /// Trailing NUL padding is removed, as NumPy does; `|S` bytes are decoded as UTF-8.
    public static func readStrings(_ data: UnsafeRawBufferPointer, source: String) throws -> (
        shape: [Int], values: [String]
    ) {
        let header = try NPYHeader.parse(data, source: source)
        let section = try header.dataSection(of: data, source: source)
        var bytes = [UInt8](section)
        let itemSize = header.layout.itemSize
        if header.fortranOrder && header.shape.count > 1 {
            bytes = fortranToC(bytes, shape: header.shape, itemSize: itemSize)
        }
        var values: [String] = []
        values.reserveCapacity(header.count)
        switch header.layout {
        case .numeric:
            throw NumpyError.notAStringArray(source: source, descr: header.descr)
        case .unicode(let n, let bigEndian):
            try bytes.withUnsafeBytes { raw in
                for i in 0..<header.count {
                    var scalars = String.UnicodeScalarView()
                    var padding = 0
                    for j in 0..<n {
                        let little = raw.loadLE(UInt32.self, at: (i * n + j) * 4)
                        let code = bigEndian ? little.byteSwapped : little
                        if code == 0 {
                            padding += 1
                            continue
                        }
                        guard let scalar = Unicode.Scalar(code) else {
                            throw NumpyError.badHeader(
                                source: source, reason: "invalid code point \(code) in element \(i)")
                        }
                        // An interior NUL is kept; only trailing NULs are padding.
                        for _ in 0..<padding { scalars.append(Unicode.Scalar(0)) }
                        padding = 0
                        scalars.append(scalar)
                    }
                    values.append(String(scalars))
                }
            }
        case .byteString(let n):
            for i in 0..<header.count {
                var element = bytes[(i * n)..<(i * n + n)]
                while let last = element.last, last == 0 { element = element.dropLast() }
                values.append(String(decoding: element, as: UTF8.self))
            }
        }
        return (header.shape, values)
    }

    /// Writes `array` as a version 1.0 `.npy` file (little-endian, C order, header padded to 64 bytes).
    ///
    /// The bytes go to a temporary file in the same folder, renamed over `url` once complete, so a
    /// failed write (full disk) never leaves a partial file under `url`.
    public static func write(_ array: NumpyArray, to url: URL) throws {
        let data = encode(array)
        do {
            try Data(data).write(to: url, options: .atomic)
        } catch {
            throw NumpyError.writeFailed(path: url.path, reason: FileErrorText.reason(error))
        }
    }

    /// The `.npy` version 1.0 encoding of `array`.
    public static func encode(_ array: NumpyArray) -> [UInt8] {
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(array.dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let preamble = 10
        let total = preamble + header.utf8.count + 1
        let padded = (total + 63) / 64 * 64
        header += String(repeating: " ", count: padded - total) + "\n"
        var out = NPYHeader.magic + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        out += array.bytes
        return out
    }

    /// Reverses the bytes of every `itemSize`-byte element in place.
    static func swapBytes(_ bytes: inout [UInt8], itemSize: Int) {
        guard itemSize > 1 else { return }
        var i = 0
        while i + itemSize <= bytes.count {
            bytes[i..<i + itemSize].reverse()
            i += itemSize
        }
    }

    /// Reorders Fortran-order (column-major) element bytes into C order.
    static func fortranToC(_ bytes: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
        let count = bytes.count / max(itemSize, 1)
        guard count > 0 else { return bytes }
        // Fortran strides (in elements): first dimension varies fastest.
        var fortranStrides = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { fortranStrides[d] = fortranStrides[d - 1] * shape[d - 1] }
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        for c in 0..<count {
            for k in 0..<itemSize { out[c * itemSize + k] = bytes[source * itemSize + k] }
            // Advance the C-order multi-index (last dimension fastest), tracking the Fortran offset.
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                source += fortranStrides[d]
                if index[d] < shape[d] { break }
                source -= fortranStrides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
