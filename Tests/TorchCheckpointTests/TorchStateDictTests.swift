import Foundation
import TorchCheckpoint
import XCTest

final class TorchStateDictTests: XCTestCase {
    func testLoadsFakeCheckpoint() throws {
        let state = try loadStateDict(from: TestFiles.fixture("tiny_state.zip").path)
        XCTAssertEqual(state.root, "tiny")
        XCTAssertEqual(state.formatVersion, 3)
        XCTAssertEqual(state.names, ["layer.weight", "layer.bias", "bn.num_batches_tracked"])

        let weight = try state.tensor(named: "layer.weight")
        XCTAssertEqual(weight.shape, [2, 3])
        XCTAssertEqual(weight.dtype, .float32)
        XCTAssertEqual(try weight.floats(), [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])
        XCTAssertEqual(Array(try weight.floatBuffer()), [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5])

        // Shares storage 0 starting at element 6.
        let bias = try XCTUnwrap(state["layer.bias"])
        XCTAssertEqual(bias.storageKey, "0")
        XCTAssertEqual(bias.storageOffset, 6)
        XCTAssertEqual(try bias.floats(), [2.0, 2.5, 3.0, 3.5])

        let tracked = try state.tensor(named: "bn.num_batches_tracked")
        XCTAssertEqual(tracked.shape, [])
        XCTAssertEqual(tracked.dtype, .int64)
        XCTAssertEqual(try tracked.int64s(), [-3])
        assertThrows(["expected dtype float32, have int64"]) { try tracked.floatBuffer() }
        assertThrows(["no tensor named 'missing'"]) { try state.tensor(named: "missing") }
        XCTAssertEqual(state.floatElementCount, 10)
    }

    func testStoredStorageIsZeroCopyAndOutlivesTheStateDict() throws {
        var tensor: TorchTensor?
        var mapping: UnsafeRawBufferPointer?
        do {
            let state = try TorchStateDict(contentsOf: TestFiles.fixture("tiny_state.zip"))
            tensor = state["layer.bias"]
            mapping = state.archive.file.bytes
        }
        let buffer = try XCTUnwrap(tensor).floatBuffer()
        let raw = UnsafeRawPointer(buffer.baseAddress!)
        XCTAssertTrue(raw >= mapping!.baseAddress! && raw < mapping!.baseAddress! + mapping!.count)
        XCTAssertEqual(Array(buffer), [2.0, 2.5, 3.0, 3.5])
    }

    func testRefusesTensorLargerThanStorage() {
        assertThrows(["bad_extent.zip", "tensor 'w'", "needs 48 bytes of storage '0', which has only 40"]) {
            try loadStateDict(from: TestFiles.fixture("bad_extent.zip").path)
        }
        assertThrows(["tensor 'w'", "needs 40 bytes of storage '0', which has only 20"]) {
            try loadStateDict(from: TestFiles.fixture("bad_short_storage.zip").path)
        }
    }

    func testRefusesNonContiguousStride() {
        assertThrows(["tensor 'w' (storage '0') is not C-contiguous: shape [3, 2], stride [1, 3]"]) {
            try loadStateDict(from: TestFiles.fixture("bad_stride.zip").path)
        }
    }

    func testRefusesUnknownStorageType() {
        assertThrows(["pickle references a global outside the whitelist: torch.BFloat16Storage"]) {
            try loadStateDict(from: TestFiles.fixture("bad_storage_type.zip").path)
        }
        // A storage type that is not a global at all.
        assertThrows(["tensor 'w': unknown storage type 'FloatStorage' (a string, not a torch storage class)"]) {
            try TorchStateDict(archive: fakeArchive(storageType: .string("FloatStorage")))
        }
    }

    func testRefusesMissingStorageMember() {
        assertThrows(["tensor 'w': storage '0' has no data member"]) {
            try loadStateDict(from: TestFiles.fixture("bad_missing_storage.zip").path)
        }
    }

    func testRefusesNonZipAndHostilePickleInCheckpoint() throws {
        assertThrows(["not a zip archive"]) { try loadStateDict(from: TestFiles.fixture("f32.npy").path) }
        let dir = try TestFiles.temporaryDirectory(for: self)
        let url = dir.appendingPathComponent("evil.zip")
        let evil: [UInt8] =
            [0x80, 2] + Array("cposix\nsystem\n".utf8) + [0x58, 2, 0, 0, 0] + Array("id".utf8) + [0x85, 0x52, 0x2E]
        try Data(makeStoredZip([("evil/data.pkl", evil)])).write(to: url)
        assertThrows(["evil.zip:evil/data.pkl", "pickle references a global outside the whitelist: posix.system"]) {
            try loadStateDict(from: url.path)
        }
        let big = dir.appendingPathComponent("big.zip")
        try Data(makeStoredZip([("big/byteorder", Array("big".utf8)), ("big/data.pkl", [0x80, 2, 0x7D, 0x2E])])).write(
            to: big)
        assertThrows(["byteorder is 'big'"]) { try loadStateDict(from: big.path) }
    }

    /// The real LiteMedSAM checkpoint, fetched by `scripts/fetch-checkpoint.sh` (never committed).
    func testLoadsRealLiteMedSAMCheckpoint() throws {
        let url = TestFiles.packageRoot.appendingPathComponent("Models/lite_medsam.pth")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip(
                "Models/lite_medsam.pth is absent; run scripts/fetch-checkpoint.sh to test the real checkpoint")
        }
        let zip = try ZipArchive(path: url.path)
        XCTAssertEqual(zip.file.bytes.count, 39_370_479)
        XCTAssertEqual(zip.entries.count, 437)
        XCTAssertTrue(zip.entries.allSatisfy(\.isStored))

        let state = try TorchStateDict(archive: zip)
        XCTAssertEqual(state.root, "medsam_lite")
        XCTAssertEqual(state.tensors.count, 435)
        XCTAssertEqual(state.names.first, "image_encoder.patch_embed.seq.0.c.weight")
        XCTAssertEqual(state.names.last, "prompt_encoder.no_mask_embed.weight")

        let buffers = state.tensors.filter {
            $0.name.hasSuffix(".running_mean") || $0.name.hasSuffix(".running_var")
                || $0.name.hasSuffix(".num_batches_tracked")
                || $0.name == "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"
        }
        XCTAssertEqual(buffers.count, 82)
        XCTAssertEqual(state.tensors.filter { $0.dtype == .int64 }.count, 27)
        let parameterCount = state.tensors.filter { t in !buffers.contains { $0.name == t.name } }.reduce(0) {
            $0 + $1.count
        }
        XCTAssertEqual(parameterCount, 9_791_300)
        XCTAssertEqual(state.floatElementCount, 9_801_412)

        // Values read independently with Python (zipfile + pickle stand-ins + struct).
        let patch = try state.tensor(named: "image_encoder.patch_embed.seq.0.c.weight")
        XCTAssertEqual(patch.shape, [32, 3, 1, 1])
        let patchValues = try patch.floatBuffer()
        XCTAssertEqual(patchValues[0], -0.09496816247701645)
        XCTAssertEqual(patchValues[1], 0.06134231388568878)
        XCTAssertEqual(patchValues[95], 0.19295211136341095)

        let tokens = try state.tensor(named: "mask_decoder.mask_tokens.weight")
        XCTAssertEqual(tokens.shape, [4, 256])
        XCTAssertEqual(tokens.storageKey, "381")
        let tokenValues = try tokens.floats()
        XCTAssertEqual(tokenValues[0], 0.10818865150213242)
        XCTAssertEqual(tokenValues[5], -0.08903273195028305)
        XCTAssertEqual(tokenValues[1023], 0.15219932794570923)

        let gaussian = try state.tensor(named: "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix")
        XCTAssertEqual(gaussian.shape, [2, 128])
        XCTAssertEqual(try gaussian.floats()[255], 1.6609610319137573)

        let tracked = try state.tensor(named: "image_encoder.patch_embed.seq.0.bn.num_batches_tracked")
        XCTAssertEqual(tracked.shape, [])
        XCTAssertEqual(try tracked.int64s(), [4_416_366])
    }

    func testRealCheckpointSHA256() throws {
        let url = TestFiles.packageRoot.appendingPathComponent("Models/lite_medsam.pth")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("Models/lite_medsam.pth is absent; run scripts/fetch-checkpoint.sh")
        }
        XCTAssertEqual(
            try SHA256.hexDigest(ofFileAt: url.path),
            "79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76")
    }

    // MARK: Helpers

    /// A one-tensor checkpoint (tensor 'w', storage '0' holding one float 1.0) whose persistent id
    /// carries `storageType` (a string, to exercise the non-global case) and the given size/stride.
    private func fakeArchive(storageType: PickleValue, shape: [Int32] = [1], stride: [Int32] = [1]) throws -> ZipArchive
    {
        guard case .string(let typeName) = storageType else { fatalError() }
        func int(_ v: Int32) -> [UInt8] { [0x4A] + (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        var p: [UInt8] = [0x80, 2, 0x7D, 0x58, 1, 0, 0, 0, UInt8(ascii: "w")]
        p += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8)
        p += [0x28, 0x28, 0x58, 7, 0, 0, 0] + Array("storage".utf8)
        if typeName.hasPrefix("torch.") {
            p += Array("ctorch\n\(typeName.dropFirst(6))\n".utf8)
        } else {
            p += [0x58, UInt8(typeName.utf8.count), 0, 0, 0] + Array(typeName.utf8)
        }
        p += [0x58, 1, 0, 0, 0, UInt8(ascii: "0"), 0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, 1, 0x74, 0x51]
        p += [0x4B, 0, 0x28] + shape.flatMap(int) + [0x74, 0x28] + stride.flatMap(int) + [0x74]
        p += [0x89, 0x7D, 0x74, 0x52, 0x73, 0x2E]
        let zip = makeStoredZip([("fake/data.pkl", p), ("fake/data/0", [0, 0, 128, 63])])
        return try ZipArchive(file: MappedFile(copying: zip, name: "fake.zip"))
    }

    func testFakeArchiveHelperAndEdgeShapes() throws {
        let ok = try TorchStateDict(archive: fakeArchive(storageType: .string("torch.FloatStorage")))
        XCTAssertEqual(try ok.tensor(named: "w").floats(), [1.0])
        // An empty tensor whose other dimensions multiply past Int.max is accepted without overflow.
        let empty = try TorchStateDict(
            archive: fakeArchive(
                storageType: .string("torch.FloatStorage"),
                shape: [0, Int32.max, Int32.max, Int32.max], stride: [1, 1, 1, 1]))
        XCTAssertEqual(try empty.tensor(named: "w").count, 0)
        // Huge non-empty shapes are refused, not overflowed.
        assertThrows(["tensor 'w'", "too large"]) {
            try TorchStateDict(
                archive: fakeArchive(
                    storageType: .string("torch.FloatStorage"),
                    shape: [Int32.max, Int32.max, Int32.max], stride: [1, 1, 1]))
        }
        assertThrows(["tensor 'w'", "needs 8 bytes of storage '0', which has only 4"]) {
            try TorchStateDict(
                archive: fakeArchive(storageType: .string("torch.FloatStorage"), shape: [2], stride: [1]))
        }
        // Size-1 dimensions may carry any stride (as PyTorch produces for e.g. (32, 3, 1, 1)).
        let one = try TorchStateDict(
            archive: fakeArchive(storageType: .string("torch.FloatStorage"), shape: [1, 1], stride: [7, 9]))
        XCTAssertEqual(try one.tensor(named: "w").shape, [1, 1])
    }
}

/// Builds a minimal stored zip (no ZIP64) in memory.
func makeStoredZip(_ members: [(String, [UInt8])]) -> [UInt8] {
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (name, data) in members {
        let crc = data.withUnsafeBytes { Int(crc32Checksum($0)) }
        let offset = out.count
        let nameBytes = Array(name.utf8)
        out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc)
        out += le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + nameBytes + data
        central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc)
        central += le32(data.count) + le32(data.count) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0)
        central += le32(0) + le32(offset) + nameBytes
    }
    let cdOffset = out.count
    out += central
    out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
    out += le32(central.count) + le32(cdOffset) + le16(0)
    return out
}

/// Issue 16, defect 1: deflated members (byteorder, version, data.pkl, storages) are read from live memory.
final class DeflatedStateDictTests: XCTestCase {
    func testDeflatedCheckpointReadsLikeTheStoredOne() throws {
        let stored = try loadStateDict(from: TestFiles.fixture("tiny_state.zip").path)
        for _ in 0..<20 {
            let deflated = try loadStateDict(from: TestFiles.fixture("tiny_state_deflated.zip").path)
            XCTAssertTrue(deflated.archive.entries.allSatisfy { $0.method == 8 })
            XCTAssertEqual(deflated.formatVersion, 3)
            XCTAssertEqual(deflated.names, stored.names)
            XCTAssertEqual(
                try deflated.tensor(named: "layer.weight").floats(), try stored.tensor(named: "layer.weight").floats())
            XCTAssertEqual(
                try deflated.tensor(named: "layer.bias").floats(), try stored.tensor(named: "layer.bias").floats())
            XCTAssertEqual(try deflated.tensor(named: "bn.num_batches_tracked").int64s(), [-3])
        }
    }
}
