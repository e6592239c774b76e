import Foundation
import TorchCheckpoint
import XCTest

final class NumpyPickleTests: XCTestCase {
    func testResolvesArraysInProtocol2And4Pickles() throws {
        for name in ["arrays_p2.pkl", "arrays_p4.pkl"] {
            let tree = try NumpyPickle.load(contentsOf: TestFiles.fixture(name))
            let u8 = try XCTUnwrap(tree["u8"]?.arrayValue, name)
            XCTAssertEqual(u8.dtype, .uint8)
            XCTAssertEqual(u8.shape, [2, 2])
            XCTAssertEqual(try u8.uint8s(), [0, 1, 254, 255])
            let f32 = try XCTUnwrap(tree["f32"]?.arrayValue, name)
            XCTAssertEqual(f32.dtype, .float32)
            XCTAssertEqual(f32.floats(), [1.5, -2.0, 3.0])
            let i64 = try XCTUnwrap(tree["i64"]?.arrayValue, name)
            XCTAssertEqual(try i64.int64s(), [-5, 1 << 40])
            let big = try XCTUnwrap(tree["f64_big"]?.arrayValue, name)
            XCTAssertEqual(big.dtype, .float64)
            XCTAssertEqual(big.doubles(), [0.25, -8.0])
            XCTAssertEqual(tree["name"], .string("sample"))
            XCTAssertEqual(tree["ratio"], .float(0.5))
            XCTAssertEqual(tree["n"], .int(3))
            let masks = try XCTUnwrap(tree["masks"]?.items, name)
            XCTAssertEqual(masks.count, 2)
            XCTAssertEqual(try masks[0].arrayValue?.uint8s(), [0, 0, 0, 0])
            XCTAssertEqual(try masks[1].arrayValue?.uint8s(), [1, 1, 1, 1])
            XCTAssertEqual(masks[1].arrayValue?.shape, [2, 2])
            let fortran = try XCTUnwrap(tree["fortran_i16"]?.arrayValue, name)
            XCTAssertEqual(fortran.shape, [2, 3])
            XCTAssertEqual(try fortran.int64s(), [0, 1, 2, 3, 4, 5])
        }
    }

    func testRefusesGlobalsOutsideTheNumpyWhitelist() {
        let p: [UInt8] = [0x80, 2] + Array("cbuiltins\neval\n".utf8) + [0x4E, 0x85, 0x52, 0x2E]
        assertThrows(["pickle references a global outside the whitelist: builtins.eval"]) {
            try p.withUnsafeBytes { try NumpyPickle.load($0, source: "evil.pkl") }
        }
    }

    func testRefusesArrayWhoseDataDoesNotMatchItsShape() throws {
        // Take the protocol 4 fixture and enlarge the first array's shape (2, 2) -> (2, 3).
        var bytes = try TestFiles.bytes("arrays_p4.pkl")
        let marker: [UInt8] = [0x4B, 2, 0x4B, 2, 0x86]
        let at = try XCTUnwrap((0..<bytes.count - 5).first { Array(bytes[$0..<$0 + 5]) == marker })
        bytes[at + 3] = 3
        assertThrows(["cannot decode pickled ndarray", "shape [2, 3] of |u1", "4 bytes present"]) {
            try bytes.withUnsafeBytes { try NumpyPickle.load($0, source: "bad.pkl") }
        }
    }

    /// The real QUBIQ brain-growth pickle (protocol 4); read in place, never copied into the repo.
    func testLoadsRealBrainGrowthPickle() throws {
        let url = URL(fileURLWithPath: "/work/shared/data/qubiq-brain-growth/brain_growth_alpha.pkl")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is absent; skipping the real NumPy-pickle check")
        }
        let tree = try NumpyPickle.load(contentsOf: url)
        let cases = try XCTUnwrap(tree.pairs)
        XCTAssertEqual(cases.map(\.key), (1...39).map { .string(String(format: "case%02d", $0)) })
        // Reference values computed with Python's pickle + numpy.
        let first = try XCTUnwrap(tree["case01"])
        XCTAssertEqual(first["series_uid"], .string("case01"))
        let image = try XCTUnwrap(first["image"]?.arrayValue)
        XCTAssertEqual(image.dtype, .uint8)
        XCTAssertEqual(image.shape, [128, 128])
        XCTAssertEqual(try image.uint8s().reduce(0) { $0 + Int($1) }, 719_996)
        XCTAssertEqual(Array(try image.uint8s()[(64 * 128 + 60)..<(64 * 128 + 68)]), [75, 66, 59, 57, 59, 64, 65, 63])
        let masks = try XCTUnwrap(first["masks"]?.items)
        XCTAssertEqual(masks.count, 7)
        XCTAssertEqual(
            try masks.map { try XCTUnwrap($0.arrayValue).uint8s().reduce(0) { $0 + Int($1) } },
            [2593, 2527, 2440, 2188, 2517, 2622, 2608])
        XCTAssertEqual(masks[0].arrayValue?.shape, [128, 128])
        let alpha = try XCTUnwrap(first["alpha"]?.arrayValue)
        XCTAssertEqual(try alpha.uint8s().reduce(0) { $0 + Int($1) }, 413_940)
        let last = try XCTUnwrap(tree["case39"])
        XCTAssertEqual(try last["image"]?.arrayValue?.uint8s().reduce(0) { $0 + Int($1) }, 763_050)
        XCTAssertEqual(try last["alpha"]?.arrayValue?.uint8s().reduce(0) { $0 + Int($1) }, 470_748)
    }
}
