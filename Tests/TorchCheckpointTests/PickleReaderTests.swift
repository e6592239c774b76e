import Foundation
import TorchCheckpoint
import XCTest

final class PickleReaderTests: XCTestCase {
    private let reader = PickleReader(allowedGlobals: [PickleGlobal("collections", "OrderedDict")])

    private func read(_ bytes: [UInt8], reader: PickleReader? = nil) throws -> PickleValue {
        try (reader ?? self.reader).read(bytes, source: "test.pkl")
    }

    private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    private func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: Decoding

    func testDecodesProtocol2Scalars() throws {
        // pickle.dumps([None, True, False, 1, -2, 300, 70000, 2**40, -2**63, 1.5, 'hé', b'\x00\xff'], protocol=2)
        // written out by hand (bytes use protocol 3's SHORT_BINBYTES).
        var p: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x28, 0x4E, 0x88, 0x89, 0x4B, 1]
        p += [0x4A] + le32(UInt32(bitPattern: -2)) + [0x4D, 0x2C, 0x01] + [0x4A] + le32(70000)
        p += [0x8A, 6, 0, 0, 0, 0, 0, 1] + [0x8A, 8] + le64(UInt64(1) << 63)
        p += [0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
        p += [0x58] + le32(3) + text("hé") + [0x43, 2, 0x00, 0xFF] + [0x65, 0x2E]
        XCTAssertEqual(
            try read(p),
            .list([
                .none, .bool(true), .bool(false), .int(1), .int(-2), .int(300), .int(70000),
                .int(1 << 40), .int(Int.min), .float(1.5), .string("hé"), .bytes([0, 255]),
            ]))
    }

    func testDecodesProtocol4ContainersAndMemo() throws {
        // {'a': (1, 2), 'b': ['x', 'x'], 'c': frozenset(), 'd': {'k'}}, with MEMOIZE/BINGET sharing 'x'.
        var p: [UInt8] = [0x80, 4, 0x95] + le64(0) + [0x7D, 0x94, 0x28]
        p += [0x8C, 1] + text("a") + [0x94, 0x4B, 1, 0x4B, 2, 0x86, 0x94]
        p += [0x8C, 1] + text("b") + [0x94, 0x5D, 0x94, 0x28, 0x8C, 1] + text("x") + [0x94, 0x68, 5, 0x65]
        p += [0x8C, 1] + text("c") + [0x28, 0x91]
        p += [0x8C, 1] + text("d") + [0x8F, 0x28, 0x8C, 1] + text("k") + [0x90]
        p += [0x75, 0x2E]
        let value = try read(p)
        XCTAssertEqual(
            value,
            .dict([
                PicklePair(key: .string("a"), value: .tuple([.int(1), .int(2)])),
                PicklePair(key: .string("b"), value: .list([.string("x"), .string("x")])),
                PicklePair(key: .string("c"), value: .set([])),
                PicklePair(key: .string("d"), value: .set([.string("k")])),
            ]))
        XCTAssertEqual(value["a"], .tuple([.int(1), .int(2)]))
    }

    func testDecodesUnicode8Bytes8AndLong4() throws {
        var p: [UInt8] = [0x80, 4, 0x8D] + le64(2) + text("ok") + [0x8E] + le64(3) + [1, 2, 3]
        p += [0x8B] + le32(2) + [0xFE, 0xFF]  // -2
        p += [0x87, 0x2E]
        XCTAssertEqual(try read(p), .tuple([.string("ok"), .bytes([1, 2, 3]), .int(-2)]))
    }

    func testDecodesProtocol0Text() throws {
        // pickle.dumps((1, 'ab', 2.5, True, 12345678901234L-style), protocol=0)
        let p = text("(I1\nVab\\u00e9\np0\nF2.5\nI01\nL12345678901234L\nS'q\\'\\n'\ng0\ntp1\n.")
        XCTAssertEqual(
            try read(p),
            .tuple([
                .int(1), .string("abé"), .float(2.5), .bool(true), .int(12_345_678_901_234),
                .string("q'\n"), .string("abé"),
            ]))
    }

    func testRecordsCallsBuildsAndPersistentIDs() throws {
        // OrderedDict() becomes a dict that SETITEMS fills; BUILD wraps it; BINPERSID records its id.
        var p: [UInt8] = [0x80, 2] + text("ccollections\nOrderedDict\n") + [0x71, 0, 0x29, 0x52, 0x71, 1]
        p += [0x58] + le32(1) + text("k") + [0x58] + le32(3) + text("pid") + [0x85, 0x51, 0x73]
        p += [0x7D, 0x58] + le32(1) + text("m") + [0x4B, 7, 0x73, 0x62, 0x2E]
        XCTAssertEqual(
            try read(p),
            .build(
                .dict([PicklePair(key: .string("k"), value: .persistentID(.tuple([.string("pid")])))]),
                state: .dict([PicklePair(key: .string("m"), value: .int(7))])))
    }

    func testSharedObjectsSeeLaterMutation() throws {
        // x = []; [x, x] where x is appended to after being memoized: both references show the item.
        let p: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x68, 0, 0x86, 0x68, 0, 0x4B, 9, 0x61, 0x30, 0x2E]
        XCTAssertEqual(try read(p), .tuple([.list([.int(9)]), .list([.int(9)])]))
    }

    // MARK: Hostile input

    func testRefusesGlobalsOutsideWhitelistViaGLOBAL() {
        for (module, name) in [("os", "system"), ("builtins", "eval"), ("posix", "system")] {
            let p: [UInt8] =
                [0x80, 2] + text("c\(module)\n\(name)\n") + text("X") + le32(2) + text("id") + [0x85, 0x52, 0x2E]
            assertThrows([
                "test.pkl", "pickle references a global outside the whitelist: \(module).\(name)", "offset 2",
            ]) { try read(p) }
        }
    }

    func testRefusesGlobalsOutsideWhitelistViaSTACK_GLOBAL() {
        for (module, name) in [("os", "system"), ("builtins", "eval"), ("posix", "system")] {
            let p: [UInt8] =
                [0x80, 4, 0x8C, UInt8(module.utf8.count)] + text(module) + [0x8C, UInt8(name.utf8.count)] + text(name)
                + [0x93, 0x8C, 2] + text("id") + [0x85, 0x52, 0x2E]
            assertThrows(["pickle references a global outside the whitelist: \(module).\(name)"]) { try read(p) }
        }
    }

    func testRefusesTruncatedPickles() throws {
        let full: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x28, 0x58] + le32(5) + text("hello") + [0x4B, 3, 0x65, 0x2E]
        XCTAssertEqual(try read(full), .list([.string("hello"), .int(3)]))
        for cut in 0..<full.count {
            assertThrows(["test.pkl"]) { try read(Array(full.prefix(cut))) }
        }
        assertThrows(["pickle ends after 18 bytes without a STOP opcode"]) { try read(Array(full.prefix(18))) }
        assertThrows(["BININT1 at offset 16 needs 1 bytes but only 0 remain"]) { try read(Array(full.prefix(17))) }
        assertThrows(["BINUNICODE at offset 6 needs 5 bytes but only 2 remain"]) { try read(Array(full.prefix(13))) }
    }

    func testRefusesHugeDeclaredLengths() {
        assertThrows(["LONG4 at offset 2 needs 2147483647 bytes but only 3 remain"]) {
            try read([0x80, 2, 0x8B] + le32(0x7FFF_FFFF) + [1, 2, 0x2E])
        }
        assertThrows(["BINBYTES8 at offset 2", "only 2 remain"]) {
            try read([0x80, 4, 0x8E] + le64(UInt64.max) + [0, 0x2E])
        }
        assertThrows(["BINUNICODE8 at offset 2", "only 1 remain"]) {
            try read([0x80, 4, 0x8D] + le64(1 << 40) + [0x2E])
        }
        assertThrows(["BINUNICODE at offset 2 needs 4294967295 bytes"]) {
            try read([0x80, 2, 0x58] + le32(0xFFFF_FFFF) + text("abc."))
        }
        assertThrows(["BINBYTES at offset 2 needs 4000000000 bytes"]) {
            try read([0x80, 3, 0x42] + le32(4_000_000_000) + [0x2E])
        }
        assertThrows(["FRAME at offset 2"]) { try read([0x80, 4, 0x95] + le64(1 << 50) + [0x4E, 0x2E]) }
        assertThrows(["LONG4", "negative length"]) { try read([0x80, 2, 0x8B] + le32(0xFFFF_FFFF) + [0x2E]) }
        assertThrows(["does not fit in 64 bits"]) {
            try read([0x80, 2, 0x8A, 9] + [UInt8](repeating: 0, count: 8) + [1, 0x2E])
        }
    }

    func testCapsMarkDepth() {
        let bomb = [0x80, 2] + [UInt8](repeating: 0x28, count: 100_000) + [0x2E]
        assertThrows(["exceeds the MARK depth limit of 1000"]) { try read(bomb) }
    }

    func testCapsNestingDepthOfListBombs() {
        // EMPTY_LIST x n then APPEND x (n-1): a list nested n deep, without any MARK.
        let n = 50_000
        let bomb = [0x80, 2] + [UInt8](repeating: 0x5D, count: n) + [UInt8](repeating: 0x61, count: n - 1) + [0x2E]
        assertThrows(["nesting exceeds the depth limit of 256"]) { try read(bomb) }
        // MARK/EMPTY_LIST/APPENDS nesting is capped the same way.
        let marks =
            [0x80, 2, 0x5D] + Array([[UInt8]](repeating: [0x28, 0x5D], count: 900).joined())
            + [UInt8](repeating: 0x65, count: 900) + [0x2E]
        assertThrows(["nesting exceeds the depth limit of 256"]) { try read(marks) }
    }

    func testDeepChainsThatArePoppedOrCyclicAreReleasedSafely() {
        // A list nested 300,000 deep, then popped: releasing it must not recurse 300,000 levels.
        let n = 300_000
        let popped =
            [0x80, 2] + [UInt8](repeating: 0x5D, count: n) + [UInt8](repeating: 0x61, count: n - 1) + [
                0x30, 0x4E, 0x2E,
            ]
        XCTAssertEqual(try read(popped), .none)
        // A deep chain built top-down through the memo (each list appended to after insertion).
        var memoChain: [UInt8] = [0x80, 2, 0x5D, 0x72] + le32(0) + [0x30]
        for i in 0..<20_000 {
            memoChain += [0x6A] + le32(UInt32(i)) + [0x5D, 0x72] + le32(UInt32(i + 1)) + [0x61, 0x30]
        }
        memoChain += [0x4E, 0x2E]
        XCTAssertEqual(try read(memoChain), .none)
        // A self-containing list that is dropped.
        XCTAssertEqual(try read([0x80, 2, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x30, 0x4E, 0x2E]), .none)
    }

    func testCapsStackObjectsAndMemo() {
        var limits = PickleLimits()
        limits.maxStackDepth = 1000
        limits.maxObjects = 5000
        limits.maxMemoEntries = 10
        let small = PickleReader(allowedGlobals: [], limits: limits)
        assertThrows(["exceeds the stack depth limit of 1000"]) {
            try read([0x80, 2] + [UInt8](repeating: 0x4E, count: 2000) + [0x2E], reader: small)
        }
        assertThrows(["exceeds the object count limit of 5000"]) {
            try read(
                [0x80, 2, 0x5D] + Array([[UInt8]](repeating: [0x4E, 0x61], count: 6000).joined()) + [0x2E],
                reader: small)
        }
        let memo = [0x80, 4, 0x4E] + [UInt8](repeating: 0x94, count: 20) + [0x2E]
        assertThrows(["exceeds the memo size limit of 10"]) { try read(memo, reader: small) }
        // Shared references that would expand exponentially are caught when building the tree.
        var blowup: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x30]
        for i in 0..<40 { blowup += [0x68, UInt8(i), 0x68, UInt8(i), 0x86, 0x71, UInt8(i + 1), 0x30] }
        blowup += [0x68, 40, 0x2E]
        limits.maxMemoEntries = 100
        assertThrows(["expands to more than 5000 values"]) {
            try read(blowup, reader: PickleReader(allowedGlobals: [], limits: limits))
        }
    }

    func testRefusesBadMemoIndexStackUnderflowAndCycles() {
        assertThrows(["BINGET at offset 2", "memo index 7 is not defined"]) { try read([0x80, 2, 0x68, 7, 0x2E]) }
        assertThrows(["LONG_BINGET", "memo index 305419896 is not defined"]) {
            try read([0x80, 2, 0x6A] + le32(0x1234_5678) + [0x2E])
        }
        assertThrows(["REDUCE at offset 3", "stack underflow"]) { try read([0x80, 2, 0x4E, 0x52, 0x2E]) }
        assertThrows(["SETITEMS", "no MARK"]) { try read([0x80, 2, 0x7D, 0x75, 0x2E]) }
        assertThrows(["APPEND at offset 4", "not a list"]) { try read([0x80, 2, 0x4E, 0x4E, 0x61, 0x2E]) }
        assertThrows(["recursive"]) { try read([0x80, 2, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E]) }
    }

    func testRefusesUnknownOpcodesTrailingBytesAndBadStop() {
        assertThrows(["unknown pickle opcode 0xff at offset 3"]) { try read([0x80, 2, 0x4E, 0xFF, 0x2E]) }
        assertThrows(["unsupported pickle opcode EXT1 at offset 2"]) { try read([0x80, 2, 0x82, 1, 0x2E]) }
        assertThrows(["unsupported pickle opcode INST"]) { try read([0x80, 2] + text("iposix\nsystem\n") + [0x2E]) }
        assertThrows(["4 unexpected bytes after STOP at offset 4"]) { try read([0x80, 2, 0x4E, 0x2E, 1, 2, 3, 4]) }
        assertThrows(["STOP with 2 values on the stack"]) { try read([0x80, 2, 0x4E, 0x4E, 0x2E]) }
        assertThrows(["STOP with 0 values"]) { try read([0x80, 2, 0x2E]) }
        assertThrows(["unsupported protocol 6"]) { try read([0x80, 6, 0x4E, 0x2E]) }
        assertThrows(["pickle ends after 0 bytes"]) { try read([]) }
    }

    func testRandomGarbageNeverCrashes() {
        var generator = SplitMix(seed: 12345)
        let seeds: [[UInt8]] = [
            [0x80, 2, 0x5D, 0x71, 0, 0x28, 0x58] + le32(5) + text("hello") + [0x4B, 3, 0x65, 0x2E],
            [0x80, 4, 0x95] + le64(0) + [0x7D, 0x94, 0x28, 0x8C, 1] + text("a") + [
                0x94, 0x4B, 1, 0x4B, 2, 0x86, 0x94, 0x75, 0x2E,
            ],
        ]
        for i in 0..<3000 {
            var p = seeds[i % seeds.count]
            for _ in 0..<1 + Int(generator.next() % 4) {
                p[Int(generator.next() % UInt64(p.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? read(p)
        }
    }
}

/// A small deterministic random generator for fuzz-style tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
