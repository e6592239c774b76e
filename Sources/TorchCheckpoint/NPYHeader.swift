/// The parsed preamble of a `.npy` file.
struct NPYHeader {
    var descr: String
    var layout: NumpyElementLayout
    var fortranOrder: Bool
    var shape: [Int]
    var count: Int
    /// Offset of the data section from the start of the file.
    var dataOffset: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses magic, version, header length and the header dict literal.
    static func parse(_ data: UnsafeRawBufferPointer, source: String) throws -> NPYHeader {
        guard data.count >= 6, zip(data.prefix(6), magic).allSatisfy({ $0 == $1 }) else {
            throw NumpyError.badMagic(source: source)
        }
        guard data.count >= 10 else {
            throw NumpyError.truncatedHeader(source: source, needed: 10, available: data.count)
        }
        let major = Int(data[6])
        let minor = Int(data[7])
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = data.u16(8)
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else {
                throw NumpyError.truncatedHeader(source: source, needed: 12, available: data.count)
            }
            headerLength = data.u32(8)
            headerStart = 12
        default:
            throw NumpyError.unsupportedVersion(source: source, major: major, minor: minor)
        }
        guard minor == 0 else { throw NumpyError.unsupportedVersion(source: source, major: major, minor: minor) }
        guard data.contains(offset: headerStart, count: headerLength) else {
            throw NumpyError.truncatedHeader(source: source, needed: headerStart + headerLength, available: data.count)
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: data[headerStart..<headerStart + headerLength])
        // Versions 1 and 2 use latin-1 headers, version 3 UTF-8; the dict itself must be ASCII.
        let text =
            major == 3
            ? String(decoding: headerBytes, as: UTF8.self)
            : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        var parser = HeaderLiteralParser(text: Array(text.unicodeScalars), source: source)
        let fields = try parser.parseDict()

        guard case .string(let descr)? = fields["descr"] else {
            throw NumpyError.badHeader(source: source, reason: "'descr' missing or not a string")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else {
            throw NumpyError.badHeader(source: source, reason: "'fortran_order' missing or not a bool")
        }
        guard case .tuple(let shape)? = fields["shape"] else {
            throw NumpyError.badHeader(source: source, reason: "'shape' missing or not a tuple of ints")
        }
        guard fields.count == 3 else {
            throw NumpyError.badHeader(source: source, reason: "unexpected keys \(fields.keys.sorted())")
        }
        guard let count = NumpyArray.elementCount(shape) else {
            throw NumpyError.badShape(source: source, shape: shape)
        }
        let layout = try NumpyElementLayout.parse(descr, source: source)
        return NPYHeader(
            descr: descr, layout: layout, fortranOrder: fortran, shape: shape, count: count,
            dataOffset: headerStart + headerLength)
    }

    /// Bytes the data section needs, or nil on overflow.
    var dataByteCount: Int? {
        let r = count.multipliedReportingOverflow(by: layout.itemSize)
        return r.overflow ? nil : r.partialValue
    }

    /// Returns the data section, checked to be long enough.
    func dataSection(of data: UnsafeRawBufferPointer, source: String) throws -> UnsafeRawBufferPointer {
        guard let needed = dataByteCount, data.contains(offset: dataOffset, count: needed) else {
            throw NumpyError.shortData(
                source: source, expected: dataByteCount ?? Int.max,
                available: data.count - dataOffset)
        }
        return UnsafeRawBufferPointer(rebasing: data[dataOffset..<dataOffset + needed])
    }
}

/// A strict parser for the Python dict literal in a `.npy` header.
struct HeaderLiteralParser {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    let text: [Unicode.Scalar]
    let source: String
    var position = 0

    init(text: [Unicode.Scalar], source: String) {
        self.text = text
        self.source = source
    }

    mutating func parseDict() throws -> [String: Value] {
        skipSpace()
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" {
                position += 1
                break
            }
            guard case .string(let key) = try parseValue() else { throw fail("dict key is not a string") }
            skipSpace()
            try expect(":")
            skipSpace()
            let value = try parseValue()
            guard result[key] == nil else { throw fail("duplicate key '\(key)'") }
            result[key] = value
            skipSpace()
            if peek() == "," {
                position += 1
                continue
            }
            skipSpace()
            try expect("}")
            break
        }
        skipSpace()
        guard position == text.count else { throw fail("unexpected text after the dict") }
        return result
    }

    private mutating func parseValue() throws -> Value {
        guard let c = peek() else { throw fail("unexpected end of header") }
        switch c {
        case "'", "\"":
            position += 1
            var s = ""
            while let d = peek(), d != c {
                guard d != "\\" else { throw fail("escape sequences are not supported in strings") }
                s.unicodeScalars.append(d)
                position += 1
            }
            try expect(c)
            return .string(s)
        case "(":
            position += 1
            var items: [Int] = []
            while true {
                skipSpace()
                if peek() == ")" {
                    position += 1
                    break
                }
                items.append(try parseInt())
                skipSpace()
                if peek() == "," {
                    position += 1
                    continue
                }
                try expect(")")
                break
            }
            return .tuple(items)
        case "[":
            throw NumpyError.unsupportedDType(source: source, descr: "[...]", reason: "structured dtypes are refused")
        case "T":
            try expectWord("True")
            return .bool(true)
        case "F":
            try expectWord("False")
            return .bool(false)
        default:
            throw fail("unexpected character '\(c)' at header offset \(position)")
        }
    }

    private mutating func parseInt() throws -> Int {
        var digits = ""
        while let c = peek(), ("0"..."9").contains(c) {
            digits.unicodeScalars.append(c)
            position += 1
            guard digits.count <= 18 else { throw fail("shape dimension too large") }
        }
        if peek() == "L" { position += 1 }
        guard let value = Int(digits) else {
            throw fail("expected a non-negative integer at header offset \(position)")
        }
        return value
    }

    private func peek() -> Unicode.Scalar? { position < text.count ? text[position] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == " " || c == "\n" || c == "\t" || c == "\r" { position += 1 }
    }

    private mutating func expect(_ c: Unicode.Scalar) throws {
        guard peek() == c else { throw fail("expected '\(c)' at header offset \(position)") }
        position += 1
    }

    private mutating func expectWord(_ word: String) throws {
        for c in word.unicodeScalars { try expect(c) }
    }

    private func fail(_ reason: String) -> NumpyError {
        .badHeader(source: source, reason: reason)
    }
}
