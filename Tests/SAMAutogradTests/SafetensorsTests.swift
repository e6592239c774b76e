import Foundation
import SAMAutograd
import SAMTensor
import TorchCheckpoint
import XCTest

/// Bytes written by make_safetensors_reference.py (json + struct only).
let pythonSafetensorsBytes: [UInt8] = [
    0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x64, 0x65, 0x63, 0x6f, 0x64, 0x65,
    0x72, 0x2e, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22, 0x3a, 0x20, 0x7b, 0x22, 0x64, 0x74, 0x79,
    0x70, 0x65, 0x22, 0x3a, 0x20, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x20, 0x22, 0x73, 0x68, 0x61,
    0x70, 0x65, 0x22, 0x3a, 0x20, 0x5b, 0x32, 0x2c, 0x20, 0x33, 0x5d, 0x2c, 0x20, 0x22, 0x64, 0x61,
    0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x20, 0x5b, 0x30, 0x2c,
    0x20, 0x32, 0x34, 0x5d, 0x7d, 0x2c, 0x20, 0x22, 0x64, 0x65, 0x63, 0x6f, 0x64, 0x65, 0x72, 0x2e,
    0x62, 0x69, 0x61, 0x73, 0x22, 0x3a, 0x20, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a,
    0x20, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x20, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a,
    0x20, 0x5b, 0x33, 0x5d, 0x2c, 0x20, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73,
    0x65, 0x74, 0x73, 0x22, 0x3a, 0x20, 0x5b, 0x32, 0x34, 0x2c, 0x20, 0x33, 0x36, 0x5d, 0x7d, 0x2c,
    0x20, 0x22, 0x73, 0x63, 0x61, 0x6c, 0x65, 0x22, 0x3a, 0x20, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70,
    0x65, 0x22, 0x3a, 0x20, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x20, 0x22, 0x73, 0x68, 0x61, 0x70,
    0x65, 0x22, 0x3a, 0x20, 0x5b, 0x5d, 0x2c, 0x20, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66,
    0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x20, 0x5b, 0x33, 0x36, 0x2c, 0x20, 0x34, 0x30, 0x5d,
    0x7d, 0x2c, 0x20, 0x22, 0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f,
    0x22, 0x3a, 0x20, 0x7b, 0x22, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x22, 0x3a, 0x20, 0x22, 0x70,
    0x74, 0x22, 0x2c, 0x20, 0x22, 0x73, 0x74, 0x65, 0x70, 0x22, 0x3a, 0x20, 0x22, 0x34, 0x32, 0x22,
    0x7d, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xa0, 0xbf,
    0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x60, 0x40, 0x00, 0x00, 0x00, 0x80, 0x6f, 0x12, 0x83, 0x3a,
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0xc0, 0x00, 0x00, 0x00, 0x3e,
]

final class SafetensorsTests: XCTestCase {
    func testReadsFileWrittenByPython() throws {
        let file = try Safetensors.decode(pythonSafetensorsBytes)
        XCTAssertEqual(file.metadata, ["format": "pt", "step": "42"])
        XCTAssertEqual(
            file.tensors["decoder.weight"], Tensor(shape: [2, 3], storage: [0.5, -1.25, 2.0, 3.5, -0.0, 1e-3]))
        XCTAssertEqual(file.tensors["decoder.bias"], Tensor(shape: [3], storage: [1, 2, -3]))
        XCTAssertEqual(file.tensors["scale"], Tensor(shape: [], storage: [0.125]))
        XCTAssertEqual(file.tensors.count, 3)
    }

    func testRoundTripThroughFileAndStrictLoad() throws {
        let weight = Parameter(
            "mask_decoder.mask_tokens.weight",
            value: Tensor(shape: [9, 4], storage: (0..<36).map { Float($0) * 0.25 - 3 }))
        let bias = Parameter("pgn.conv.bias", value: Tensor(shape: [4], storage: [1, -1, .pi, -0.0]))
        let empty = Parameter("empty", value: Tensor(shape: [0, 3]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "autograd-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.save([weight, bias, empty], to: url, metadata: ["stage": "1", "quote\"d": "a\\b\n"])
        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data must start 8-aligned")
        let file = try Safetensors.read(contentsOf: url)
        XCTAssertEqual(file.metadata, ["stage": "1", "quote\"d": "a\\b\n"])

        let targets = [
            Parameter("mask_decoder.mask_tokens.weight", value: Tensor(shape: [9, 4])),
            Parameter("pgn.conv.bias", value: Tensor(shape: [4])),
            Parameter("empty", value: Tensor(shape: [0, 3])),
        ]
        let report = try Safetensors.load(file, into: targets)
        XCTAssertEqual(report, SafetensorsLoadReport(missing: [], unexpected: []))
        XCTAssertEqual(targets[0].value, weight.value)
        XCTAssertEqual(targets[1].value.storage.map(\.bitPattern), bias.value.storage.map(\.bitPattern))
    }

    func testReportsMissingUnexpectedAndShapeMismatch() throws {
        let file = try Safetensors.decode(pythonSafetensorsBytes)
        let known = Parameter("decoder.bias", value: Tensor(shape: [3]))
        let absent = Parameter("decoder.extra", value: Tensor(shape: [1], storage: [7]))
        XCTAssertThrowsError(try Safetensors.load(file, into: [known, absent])) { error in
            XCTAssertEqual(
                error as? SafetensorsError,
                .nameMismatch(missing: ["decoder.extra"], unexpected: ["decoder.weight", "scale"]))
        }
        XCTAssertEqual(known.value.storage, [0, 0, 0], "strict failure modifies nothing")
        let report = try Safetensors.load(file, into: [known, absent], strict: false)
        XCTAssertEqual(report.missing, ["decoder.extra"])
        XCTAssertEqual(report.unexpected, ["decoder.weight", "scale"])
        XCTAssertEqual(known.value.storage, [1, 2, -3])
        XCTAssertEqual(absent.value.storage, [7])
        let wrong = Parameter("decoder.bias", value: Tensor(shape: [1, 3]))
        XCTAssertThrowsError(try Safetensors.load(file, into: [wrong], strict: false)) { error in
            XCTAssertEqual(
                error as? SafetensorsError, .shapeMismatch(name: "decoder.bias", expected: [1, 3], found: [3]))
        }
    }

    /// A file with the given header text (space-padded) followed by `dataBytes` zero bytes.
    func file(header: String, dataBytes: Int) -> [UInt8] {
        var text = Array(header.utf8)
        while text.count % 8 != 0 { text.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(text.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + text + [UInt8](repeating: 0, count: dataBytes)
    }

    /// `readMetadata` reads the header alone: the same map as a whole read, even when the tensor data is cut off,
    /// and the header's own checks.
    func testReadsTheMetadataFromTheHeaderAlone() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("meta-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(pythonSafetensorsBytes).write(to: url)
        XCTAssertEqual(try Safetensors.readMetadata(contentsOf: url), try Safetensors.read(contentsOf: url).metadata)
        let headerEnd =
            8 + pythonSafetensorsBytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try Data(pythonSafetensorsBytes.prefix(headerEnd)).write(to: url)
        XCTAssertEqual(try Safetensors.readMetadata(contentsOf: url), ["format": "pt", "step": "42"])
        XCTAssertThrowsError(try Safetensors.read(contentsOf: url), "the whole read still sees the missing data")

        let refusals: [([UInt8], String)] = [
            (Array(pythonSafetensorsBytes.prefix(5)), "truncated"),
            (Array(pythonSafetensorsBytes.prefix(headerEnd - 1)), "truncated"),
            ([0, 0, 0, 0, 0, 0x10, 0, 0], "headerTooLarge"),
            (file(header: #"{"__metadata__":{"a":1}}"#, dataBytes: 0), "malformedHeader"),
            (file(header: #"["a"]"#, dataBytes: 0), "malformedHeader"),
        ]
        for (bytes, kind) in refusals {
            try Data(bytes).write(to: url)
            XCTAssertThrowsError(try Safetensors.readMetadata(contentsOf: url)) {
                XCTAssertEqual(Mirror(reflecting: $0).children.first?.label, kind, "\($0)")
            }
        }
        XCTAssertThrowsError(try Safetensors.readMetadata(contentsOf: url.appendingPathExtension("missing"))) {
            XCTAssertEqual(Mirror(reflecting: $0).children.first?.label, "unreadable", "\($0)")
        }
    }

    func testRejectsMalformedFiles() {
        func rejects(_ bytes: [UInt8], _ check: (SafetensorsError) -> Bool, line: UInt = #line) {
            XCTAssertThrowsError(try Safetensors.decode(bytes), line: line) { error in
                guard let e = error as? SafetensorsError else { return XCTFail("\(error)", line: line) }
                XCTAssertTrue(check(e), "unexpected error \(e)", line: line)
            }
        }
        let ok = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertNoThrow(try Safetensors.decode(file(header: ok, dataBytes: 8)))
        rejects([1, 2, 3]) {
            if case .truncated = $0 { return true }
            return false
        }
        rejects(Array(file(header: ok, dataBytes: 8).prefix(20))) {
            if case .truncated = $0 { return true }
            return false
        }
        var huge = file(header: ok, dataBytes: 8)
        huge[5] = 0x10
        rejects(huge) {
            if case .headerTooLarge = $0 { return true }
            return false
        }
        let malformed = [
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,  // unterminated
            #"["a"]"#,  // not an object
            #"{"a":{"dtype":"F32","shape":[2]}}"#,  // missing field
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#,  // extra field
            #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,  // negative dim
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#,  // one offset
            #"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#,  // fractional
            #"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        ]
        for header in malformed {
            rejects(file(header: header, dataBytes: 8)) {
                if case .malformedHeader = $0 { return true }
                return false
            }
        }
        rejects(file(header: #"{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#, dataBytes: 8)) {
            $0 == .unsupportedDType(name: "a", dtype: "F16")
        }
        rejects(file(header: #"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8)) {
            $0 == .unsupportedDType(name: "a", dtype: "Q4")
        }
        let badOffsets = [
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#,  // out of range
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,  // reversed
            #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,  // wrong size
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,  // hole at start
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        ]  // trailing bytes
        for header in badOffsets {
            rejects(file(header: header, dataBytes: 8)) {
                if case .invalidOffsets = $0 { return true }
                return false
            }
        }
    }

    func testOptionallyRejectsNonFiniteData() throws {
        let bytes = try Safetensors.encode([("w", Tensor(shape: [3], storage: [1, .nan, 2]))])
        XCTAssertTrue(try Safetensors.decode(bytes).tensors["w"]!.storage[1].isNaN)
        XCTAssertThrowsError(try Safetensors.decode(bytes, rejectingNonFinite: true)) { error in
            XCTAssertEqual(error as? SafetensorsError, .nonFiniteValue(name: "w", index: 1))
        }
        XCTAssertThrowsError(try Safetensors.encode([("w", Tensor(shape: [1])), ("w", Tensor(shape: [1]))]))
    }
}
