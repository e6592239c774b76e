/// The pickle stack machine behind `PickleReader`.
struct PickleMachine {
    let data: UnsafeRawBufferPointer
    let source: String
    let allowed: Set<PickleGlobal>
    let limits: PickleLimits

    private var position = 0
    private var opcodeOffset = 0
    private var opcode: UInt8 = 0
    private var stack: [PickleNode] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleNode] = [:]
    /// Every node created, so all of them can be cut loose at the end (see `dismantle`).
    private var arena: [PickleNode] = []

    init(data: UnsafeRawBufferPointer, source: String, allowed: Set<PickleGlobal>, limits: PickleLimits) {
        self.data = data
        self.source = source
        self.allowed = allowed
        self.limits = limits
    }

    /// Runs to STOP and returns the top of the stack.
    mutating func run() throws -> PickleNode {
        while position < data.count {
            opcodeOffset = position
            opcode = data[position]
            position += 1
            if opcode == 0x2E {  // STOP
                guard marks.isEmpty, stack.count == 1 else {
                    throw malformed("STOP with \(stack.count) values on the stack and \(marks.count) open MARKs")
                }
                guard position == data.count else {
                    throw PickleError.trailingBytes(source: source, offset: position, count: data.count - position)
                }
                return stack[0]
            }
            try step()
        }
        throw PickleError.missingStop(source: source, length: data.count)
    }

    /// Breaks every reference between nodes, so that releasing them never recurses deeply (a hostile
    /// stream can build chains millions of levels deep, even ones it later pops) and cycles are freed.
    mutating func dismantle() {
        stack.removeAll()
        memo.removeAll()
        for node in arena { node.content = .leaf(.none) }
        arena.removeAll()
    }

    // MARK: - Opcodes

    private mutating func step() throws {
        switch opcode {
        case 0x80:  // PROTO
            let version = Int(try readBytes(1)[0])
            guard version <= 5 else { throw malformed("unsupported protocol \(version)") }
        case 0x95:  // FRAME: framing is only a hint; its length must still fit.
            let length = try readUInt64()
            guard length <= UInt64(data.count - position) else {
                throw truncated(needed: length > UInt64(Int.max) ? Int.max : Int(length))
            }
        case 0x28:  // MARK
            guard marks.count < limits.maxMarkDepth else { throw limit("MARK depth", limits.maxMarkDepth) }
            marks.append(stack.count)
        case 0x30:  // POP
            _ = try pop()
        case 0x31:  // POP_MARK
            _ = try popMark()
        case 0x32:  // DUP
            try push(try top())

        case 0x4E: try pushLeaf(.none)
        case 0x88: try pushLeaf(.bool(true))
        case 0x89: try pushLeaf(.bool(false))
        case 0x4A: try pushLeaf(.int(Int(Int32(bitPattern: UInt32(try readLE(4))))))
        case 0x4B: try pushLeaf(.int(try readLE(1)))
        case 0x4D: try pushLeaf(.int(try readLE(2)))
        case 0x8A:  // LONG1
            let n = try readLE(1)
            try pushLeaf(.int(try decodeLong(try readBytes(n))))
        case 0x8B:  // LONG4
            let n = Int(Int32(bitPattern: UInt32(try readLE(4))))
            guard n >= 0 else { throw malformed("negative length \(n)") }
            try pushLeaf(.int(try decodeLong(try readBytes(n))))
        case 0x49:  // INT (text; "01"/"00" are the protocol-0 booleans)
            let line = try readLine()
            if line == "01" {
                try pushLeaf(.bool(true))
            } else if line == "00" {
                try pushLeaf(.bool(false))
            } else {
                guard let value = Int(line) else { throw malformed("bad integer literal '\(line.prefix(40))'") }
                try pushLeaf(.int(value))
            }
        case 0x4C:  // LONG (text)
            var line = try readLine()
            if line.hasSuffix("L") { line.removeLast() }
            guard let value = Int(line) else {
                throw malformed("bad or too large integer literal '\(line.prefix(40))'")
            }
            try pushLeaf(.int(value))
        case 0x47:  // BINFLOAT, big-endian
            let bits = try readBytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try pushLeaf(.float(Double(bitPattern: bits)))
        case 0x46:  // FLOAT (text)
            let line = try readLine()
            guard let value = Double(line) else { throw malformed("bad float literal '\(line.prefix(40))'") }
            try pushLeaf(.float(value))

        case 0x8C: try pushLeaf(.string(utf8(try readBytes(try readLE(1)))))
        case 0x58: try pushLeaf(.string(utf8(try readBytes(try readLE(4)))))
        case 0x8D: try pushLeaf(.string(utf8(try readBytes(try readLength8()))))
        case 0x43: try pushLeaf(.bytes(Array(try readBytes(try readLE(1)))))
        case 0x42: try pushLeaf(.bytes(Array(try readBytes(try readLE(4)))))
        case 0x8E, 0x96: try pushLeaf(.bytes(Array(try readBytes(try readLength8()))))
        case 0x55: try pushLeaf(.string(latin1(try readBytes(try readLE(1)))))
        case 0x54:  // BINSTRING: signed 4-byte length
            let n = Int(Int32(bitPattern: UInt32(try readLE(4))))
            guard n >= 0 else { throw malformed("negative length \(n)") }
            try pushLeaf(.string(latin1(try readBytes(n))))
        case 0x53: try pushLeaf(.string(try decodeQuotedString(try readLine())))
        case 0x56: try pushLeaf(.string(try decodeRawUnicodeEscape(try readLineBytes())))

        case 0x5D: try push(try make(.list([])))
        case 0x7D: try push(try make(.dict([])))
        case 0x29: try push(try make(.tuple([])))
        case 0x8F: try push(try make(.set([])))
        case 0x6C: try push(try make(.list(try popMark())))
        case 0x74: try push(try make(.tuple(try popMark())))
        case 0x91: try push(try make(.set(try popMark())))
        case 0x85, 0x86, 0x87:  // TUPLE1/2/3
            let n = Int(opcode - 0x84)
            var items: [PickleNode] = []
            for _ in 0..<n { items.append(try pop()) }
            try push(try make(.tuple(items.reversed())))
        case 0x64:  // DICT
            try push(try make(.dict(try pairs(try popMark()))))
        case 0x61:  // APPEND
            let value = try pop()
            try append([value], to: try top())
        case 0x65:  // APPENDS
            let values = try popMark()
            try append(values, to: try top())
        case 0x73:  // SETITEM
            let value = try pop()
            let key = try pop()
            try setItems([(key, value)], in: try top())
        case 0x75:  // SETITEMS
            let items = try pairs(try popMark())
            try setItems(items, in: try top())
        case 0x90:  // ADDITEMS
            let values = try popMark()
            let target = try top()
            guard case .set(var items) = target.content else { throw malformed("target is not a set") }
            target.content = .leaf(.none)
            items += values
            target.content = .set(items)

        case 0x63:  // GLOBAL
            let module = try readLine()
            let name = try readLine()
            try push(try global(module, name))
        case 0x93:  // STACK_GLOBAL
            let name = try pop()
            let module = try pop()
            guard case .leaf(.string(let n)) = name.content, case .leaf(.string(let m)) = module.content else {
                throw malformed("module and name must be strings")
            }
            try push(try global(m, n))
        case 0x52, 0x81:  // REDUCE, NEWOBJ
            let args = try pop()
            let callable = try pop()
            try push(try call(callable, args))
        case 0x92:  // NEWOBJ_EX
            let kwargs = try pop()
            let args = try pop()
            let callable = try pop()
            guard case .dict(let items) = kwargs.content, items.isEmpty else {
                throw malformed("keyword arguments are not supported")
            }
            try push(try call(callable, args))
        case 0x62:  // BUILD
            let state = try pop()
            let object = try top()
            let inner = try make(object.content)
            object.content = .build(inner, state)
        case 0x51:  // BINPERSID
            let id = try pop()
            try push(try make(.persistentID(id)))
        case 0x50:  // PERSID
            try push(try make(.persistentID(try make(.leaf(.string(try readLine()))))))

        case 0x94:  // MEMOIZE
            try memoize(memo.count)
        case 0x71: try memoize(try readLE(1))
        case 0x72: try memoize(try readLE(4))
        case 0x70: try memoize(try textIndex())
        case 0x68: try push(try recall(try readLE(1)))
        case 0x6A: try push(try recall(try readLE(4)))
        case 0x67: try push(try recall(try textIndex()))
        case 0x98:  // READONLY_BUFFER: no effect on an in-band value
            _ = try top()

        case 0x82, 0x83, 0x84, 0x69, 0x6F, 0x97:
            throw PickleError.unsupportedOpcode(source: source, opcode: PickleOpcode.name(opcode), offset: opcodeOffset)
        default:
            throw PickleError.unknownOpcode(source: source, byte: opcode, offset: opcodeOffset)
        }
    }

    // MARK: - Objects

    private mutating func make(_ content: PickleNode.Content) throws -> PickleNode {
        guard arena.count < limits.maxObjects else { throw limit("object count", limits.maxObjects) }
        let node = PickleNode(content)
        arena.append(node)
        return node
    }

    private mutating func pushLeaf(_ value: PickleValue) throws {
        try push(try make(.leaf(value)))
    }

    private mutating func push(_ node: PickleNode) throws {
        guard stack.count < limits.maxStackDepth else { throw limit("stack depth", limits.maxStackDepth) }
        stack.append(node)
    }

    private mutating func pop() throws -> PickleNode {
        guard stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleNode {
        guard stack.count > (marks.last ?? 0), let last = stack.last else { throw malformed("stack underflow") }
        return last
    }

    private mutating func popMark() throws -> [PickleNode] {
        guard let mark = marks.popLast() else { throw malformed("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func pairs(_ items: [PickleNode]) throws -> [(PickleNode, PickleNode)] {
        guard items.count % 2 == 0 else { throw malformed("odd number of items (\(items.count)) for a dict") }
        return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
    }

    private func append(_ values: [PickleNode], to target: PickleNode) throws {
        guard case .list(var items) = target.content else { throw malformed("append target is not a list") }
        target.content = .leaf(.none)  // release the array so appending does not copy it
        items += values
        target.content = .list(items)
    }

    private func setItems(_ newPairs: [(PickleNode, PickleNode)], in target: PickleNode) throws {
        guard case .dict(var items) = target.content else { throw malformed("item assignment target is not a dict") }
        target.content = .leaf(.none)
        items += newPairs
        target.content = .dict(items)
    }

    private mutating func global(_ module: String, _ name: String) throws -> PickleNode {
        let global = PickleGlobal(module, name)
        guard allowed.contains(global) else {
            throw PickleError.globalNotAllowed(source: source, global: global.description, offset: opcodeOffset)
        }
        return try make(.leaf(.global(global)))
    }

    private mutating func call(_ callable: PickleNode, _ args: PickleNode) throws -> PickleNode {
        if case .leaf(.global(let g)) = callable.content, case .tuple(let items) = args.content {
            if g == PickleGlobal("collections", "OrderedDict"), items.isEmpty {
                return try make(.dict([]))
            }
            if g == PickleGlobal("_codecs", "encode"), items.count == 2,
                case .leaf(.string(let text)) = items[0].content,
                case .leaf(.string(let encoding)) = items[1].content,
                encoding == "latin1" || encoding == "latin-1"
            {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(text.unicodeScalars.count)
                for scalar in text.unicodeScalars {
                    guard scalar.value < 256 else { throw malformed("_codecs.encode: character outside latin-1") }
                    bytes.append(UInt8(scalar.value))
                }
                return try make(.leaf(.bytes(bytes)))
            }
        }
        return try make(.call(callable, args))
    }

    private mutating func memoize(_ index: Int) throws {
        let node = try top()
        guard memo[index] != nil || memo.count < limits.maxMemoEntries else {
            throw limit("memo size", limits.maxMemoEntries)
        }
        memo[index] = node
    }

    private func recall(_ index: Int) throws -> PickleNode {
        guard let node = memo[index] else { throw malformed("memo index \(index) is not defined") }
        return node
    }

    // MARK: - Input

    private mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= data.count - position else { throw truncated(needed: count) }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: data[position..<position + count])
    }

    private mutating func readLE(_ count: Int) throws -> Int {
        let bytes = try readBytes(count)
        var value = 0
        for i in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | Int(bytes[i]) }
        return value
    }

    private mutating func readUInt64() throws -> UInt64 {
        let bytes = try readBytes(8)
        return bytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func readLength8() throws -> Int {
        let length = try readUInt64()
        guard length <= UInt64(data.count - position) else {
            throw truncated(needed: length > UInt64(Int.max) ? Int.max : Int(length))
        }
        return Int(length)
    }

    private mutating func readLineBytes() throws -> UnsafeRawBufferPointer {
        guard let end = data[position...].firstIndex(of: 0x0A) else {
            throw malformed("line is not terminated by a newline")
        }
        let line = UnsafeRawBufferPointer(rebasing: data[position..<end])
        position = end + 1
        return line
    }

    private mutating func readLine() throws -> String {
        var line = try readLineBytes()
        if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        return String(decoding: line, as: UTF8.self)
    }

    private mutating func textIndex() throws -> Int {
        let line = try readLine()
        guard let index = Int(line), index >= 0 else { throw malformed("bad memo index '\(line.prefix(40))'") }
        return index
    }

    // MARK: - Decoding

    private func utf8(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// Two's-complement little-endian integer of at most 64 significant bits.
    private func decodeLong(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard !bytes.isEmpty else { return 0 }
        let negative = bytes[bytes.count - 1] & 0x80 != 0
        if bytes.count > 8 {
            let fill: UInt8 = negative ? 0xFF : 0
            guard bytes[8...].allSatisfy({ $0 == fill }), (bytes[7] & 0x80 != 0) == negative else {
                throw malformed("integer of \(bytes.count) bytes does not fit in 64 bits")
            }
        }
        var value: UInt64 = negative ? ~0 : 0
        for i in stride(from: min(bytes.count, 8) - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(bytes[i])
        }
        return Int(Int64(bitPattern: value))
    }

    /// Decodes a protocol-0 STRING argument: a quoted Python literal with backslash escapes.
    private func decodeQuotedString(_ line: String) throws -> String {
        let scalars = Array(line.unicodeScalars)
        guard scalars.count >= 2, let q = scalars.first, q == "'" || q == "\"", scalars.last == q else {
            throw malformed("STRING argument is not quoted")
        }
        var out = String.UnicodeScalarView()
        var i = 1
        let end = scalars.count - 1
        while i < end {
            let c = scalars[i]
            i += 1
            guard c == "\\", i < end else {
                out.append(c)
                continue
            }
            let e = scalars[i]
            i += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\", "'", "\"": out.append(e)
            case "x":
                guard i + 2 <= end, let v = UInt8(String(String.UnicodeScalarView(scalars[i..<i + 2])), radix: 16)
                else {
                    throw malformed("bad \\x escape in STRING")
                }
                out.append(Unicode.Scalar(v))
                i += 2
            case "0"..."7":
                var digits = String(e)
                while digits.count < 3, i < end, ("0"..."7").contains(scalars[i]) {
                    digits.unicodeScalars.append(scalars[i])
                    i += 1
                }
                out.append(Unicode.Scalar(UInt8(truncatingIfNeeded: Int(digits, radix: 8)!)))
            default:
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }

    /// Decodes a protocol-0 UNICODE argument (raw-unicode-escape: latin-1 plus \uXXXX and \UXXXXXXXX).
    private func decodeRawUnicodeEscape(_ bytes: UnsafeRawBufferPointer) throws -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5C, i + 1 < bytes.count, bytes[i + 1] == 0x75 || bytes[i + 1] == 0x55 {
                let width = bytes[i + 1] == 0x75 ? 4 : 8
                guard i + 2 + width <= bytes.count,
                    let code = UInt32(String(decoding: bytes[(i + 2)..<(i + 2 + width)], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(code)
                else {
                    throw malformed("bad \\u escape in UNICODE")
                }
                out.append(scalar)
                i += 2 + width
            } else {
                out.append(Unicode.Scalar(b))
                i += 1
            }
        }
        return String(out)
    }

    // MARK: - Errors

    private func malformed(_ reason: String) -> PickleError {
        .malformed(source: source, opcode: PickleOpcode.name(opcode), offset: opcodeOffset, reason: reason)
    }

    private func truncated(needed: Int) -> PickleError {
        .truncated(
            source: source, opcode: PickleOpcode.name(opcode), offset: opcodeOffset, needed: needed,
            remaining: data.count - position)
    }

    private func limit(_ what: String, _ value: Int) -> PickleError {
        .limitExceeded(source: source, limit: what, value: value, offset: opcodeOffset)
    }
}
