import Foundation
import TorchCheckpoint
import XCTest

final class NPYTests: XCTestCase {
    func testReadsFloat32Matrix() throws {
        let a = try NPY.read(contentsOf: TestFiles.fixture("f32.npy"))
        XCTAssertEqual(a.dtype, .float32)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.count, 6)
        XCTAssertEqual(a.floats(), [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0])
        XCTAssertFalse(a.hasNonFinite())
    }

    func testReadsUInt8AndBool() throws {
        let u = try NPY.read(contentsOf: TestFiles.fixture("u8.npy"))
        XCTAssertEqual(u.dtype, .uint8)
        XCTAssertEqual(u.shape, [2, 3])
        XCTAssertEqual(try u.uint8s(), [0, 40, 80, 120, 160, 200])
        let b = try NPY.read(contentsOf: TestFiles.fixture("bool.npy"))
        XCTAssertEqual(b.dtype, .bool)
        XCTAssertEqual(try b.uint8s(), [1, 0, 1, 1])
        XCTAssertEqual(b.floats(), [1, 0, 1, 1])
    }

    func testReadsInt16AndRefusesUInt8sForIt() throws {
        let a = try NPY.read(contentsOf: TestFiles.fixture("i16.npy"))
        XCTAssertEqual(a.dtype, .int16)
        XCTAssertEqual(a.doubles(), [-32768, -1, 0, 1, 32767])
        XCTAssertEqual(try a.int64s(), [-32768, -1, 0, 1, 32767])
        assertThrows(["expected dtype bool or uint8", "int16"]) { try a.uint8s() }
    }

    func testConvertsBigEndianToLittleEndian() throws {
        let d = try NPY.read(contentsOf: TestFiles.fixture("f64_big.npy"))
        XCTAssertEqual(d.dtype, .float64)
        XCTAssertEqual(d.doubles(), [1.0, -2.5, 1e300])
        // Stored bytes are little-endian after reading: 1.0 = 0x3FF0000000000000.
        XCTAssertEqual(Array(d.bytes[0..<8]), [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        let i = try NPY.read(contentsOf: TestFiles.fixture("i32_big.npy"))
        XCTAssertEqual(try i.int64s(), [1, -2, 70000, -70000])
    }

    func testTransposesFortranOrder() throws {
        let a = try NPY.read(contentsOf: TestFiles.fixture("i32_fortran.npy"))
        XCTAssertEqual(a.shape, [2, 3, 4])
        XCTAssertEqual(try a.int64s(), (0..<24).map(Int64.init))
    }

    func testReadsFloat16ScalarAndVersion2() throws {
        let h = try NPY.read(contentsOf: TestFiles.fixture("f16.npy"))
        XCTAssertEqual(h.dtype, .float16)
        // 6e-8 rounds to the float16 subnormal 1 * 2^-24.
        XCTAssertEqual(h.floats(), [1.0, -0.5, 65504.0, Float(sign: .plus, exponent: -24, significand: 1)])
        let s = try NPY.read(contentsOf: TestFiles.fixture("scalar_f32.npy"))
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.floats(), [42.5])
        let v2 = try NPY.read(contentsOf: TestFiles.fixture("v2.npy"))
        XCTAssertEqual(v2.dtype, .uint16)
        XCTAssertEqual(try v2.int64s(), [7, 8, 9])
    }

    func testDetectsNonFinite() throws {
        XCTAssertTrue(try NPY.read(contentsOf: TestFiles.fixture("nan.npy")).hasNonFinite())
    }

    func testReadsStringArrays() throws {
        XCTAssertEqual(try NPY.readStrings(contentsOf: TestFiles.fixture("strings_u.npy")), ["case01", "ü-ß", "x"])
        XCTAssertEqual(try NPY.readStrings(contentsOf: TestFiles.fixture("strings_s.npy")), ["ab", "cde"])
        assertThrows(["string array", "<U6"]) { try NPY.read(contentsOf: TestFiles.fixture("strings_u.npy")) }
        assertThrows(["not a string array"]) { try NPY.readStrings(contentsOf: TestFiles.fixture("f32.npy")) }
    }

    func testWriteRoundTripsAndMatchesNumpyLayout() throws {
        let dir = try TestFiles.temporaryDirectory(for: self)
        let url = dir.appendingPathComponent("out.npy")
        let original = try NumpyArray(float32: [0.5, -1, 2, 3e-5, 7, 8], shape: [3, 2])
        try NPY.write(original, to: url)
        let written = [UInt8](try Data(contentsOf: url))
        let headerLength = Int(written[8]) | Int(written[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertEqual(written[10 + headerLength - 1], UInt8(ascii: "\n"))
        let header = String(decoding: written[10..<10 + headerLength], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"), header)
        XCTAssertEqual(try NPY.read(contentsOf: url), original)
        // Same bytes as numpy's own writer for the identical array.
        let reference = try TestFiles.bytes("f32.npy")
        let same = try NumpyArray(float32: [1.5, -2.0, 3.25, 0.0, 1e-3, -7.0], shape: [2, 3])
        XCTAssertEqual(NPY.encode(same), reference)
    }

    func testWritesOneDimensionalAndScalarShapesLikeNumpy() throws {
        let one = String(decoding: NPY.encode(try NumpyArray(uint8: [1, 2], shape: [2])).prefix(80), as: UTF8.self)
        XCTAssertTrue(one.contains("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"), one)
        let scalar = try NumpyArray(float32: [42.5], shape: [])
        XCTAssertEqual(NPY.encode(scalar), try TestFiles.bytes("scalar_f32.npy"))
    }

    func testInitChecksByteCount() {
        assertThrows(["expected 8 bytes, got 7"]) {
            try NumpyArray(dtype: .int16, shape: [2, 2], bytes: [UInt8](repeating: 0, count: 7))
        }
        assertThrows(["invalid shape"]) { try NumpyArray(dtype: .int16, shape: [-1], bytes: []) }
    }

    func testRefusesBadMagic() {
        let bytes: [UInt8] = Array("PK\u{3}\u{4}not numpy at all".utf8)
        assertThrows(["test.npy", "missing \\x93NUMPY magic"]) {
            try bytes.withUnsafeBytes { try NPY.read($0, source: "test.npy") }
        }
    }

    func testRefusesObjectDType() {
        assertThrows(["unsupported dtype '|O'", "object arrays are refused"]) {
            try NPY.read(contentsOf: TestFiles.fixture("object.npy"))
        }
    }

    func testRefusesStructuredDType() {
        let npy = makeNPY("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        assertThrows(["structured dtypes are refused"]) {
            try npy.withUnsafeBytes { try NPY.read($0, source: "s.npy") }
        }
    }

    func testRefusesShortData() throws {
        var bytes = try TestFiles.bytes("f32.npy")
        bytes.removeLast(3)
        assertThrows(["short.npy", "data section has 21 bytes but the shape needs 24"]) {
            try bytes.withUnsafeBytes { try NPY.read($0, source: "short.npy") }
        }
    }

    func testRefusesHugeShapeWithoutAllocating() {
        let npy = makeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }", data: [])
        assertThrows(["h.npy"]) { try npy.withUnsafeBytes { try NPY.read($0, source: "h.npy") } }
    }

    func testRefusesMalformedHeaders() {
        for (header, fragment) in [
            ("{'descr': '<f4', 'fortran_order': False}", "'shape' missing"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "unexpected character '0'"),
            ("{'descr': '<f4', 'shape': (1,)}", "'fortran_order' missing or not a bool"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': True}", "unexpected keys"),
            ("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", "unsupported type code 'c8'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "expected a non-negative integer"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", "unexpected text after the dict"),
            ("{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", "multi-byte type without byte order"),
        ] {
            let npy = makeNPY(header, data: [0, 0, 0, 0])
            assertThrows([fragment]) { try npy.withUnsafeBytes { try NPY.read($0, source: "m.npy") } }
        }
    }

    func testRefusesTruncatedHeaderAndUnknownVersion() {
        var npy = makeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        let truncated = Array(npy.prefix(30))
        assertThrows(["header truncated"]) { try truncated.withUnsafeBytes { try NPY.read($0, source: "t.npy") } }
        npy[6] = 9
        assertThrows(["unsupported .npy format version 9.0"]) {
            try npy.withUnsafeBytes { try NPY.read($0, source: "t.npy") }
        }
    }

    private func makeNPY(_ header: String, data: [UInt8]) -> [UInt8] {
        let h = Array((header + "\n").utf8)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + data
    }
}
