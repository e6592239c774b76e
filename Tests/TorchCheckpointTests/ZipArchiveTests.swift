import Foundation
import TorchCheckpoint
import XCTest

final class ZipArchiveTests: XCTestCase {
    func testReadsZip64CentralDirectory() throws {
        let zip = try ZipArchive(path: TestFiles.fixture("zip64.zip").path)
        XCTAssertEqual(zip.names, ["hello.txt"])
        let entry = try XCTUnwrap(zip.entry(named: "hello.txt"))
        XCTAssertEqual(entry.compressedSize, 11)
        XCTAssertEqual(entry.uncompressedSize, 11)
        XCTAssertEqual(entry.localHeaderOffset, 0)
        XCTAssertEqual(
            String(decoding: try zip.storedBytes(of: entry, verifyingCRC: true), as: UTF8.self), "hello zip64")
    }

    func testStoredMembersAreZeroCopySlicesOfTheMapping() throws {
        let zip = try ZipArchive(path: TestFiles.fixture("stored.npz").path)
        let entry = try XCTUnwrap(zip.entry(named: "image.npy"))
        let slice = try zip.storedBytes(of: entry)
        let file = zip.file.bytes
        XCTAssertTrue(
            slice.baseAddress! >= file.baseAddress!
                && slice.baseAddress! + slice.count <= file.baseAddress! + file.count)
        XCTAssertEqual(slice.count, entry.uncompressedSize)
        XCTAssertEqual(Array(slice.prefix(6)), [0x93] + Array("NUMPY".utf8))
    }

    func testNumpyLocalHeadersWithZip64ExtrasUseCentralSizes() throws {
        // np.savez writes local headers with 0xFFFFFFFF sizes and ZIP64 extras.
        let bytes = try TestFiles.bytes("stored.npz")
        XCTAssertEqual(Array(bytes[18..<26]), [UInt8](repeating: 0xFF, count: 8))
        let zip = try ZipArchive(path: TestFiles.fixture("stored.npz").path)
        XCTAssertEqual(try zip.contents(ofMemberNamed: "labels.npy", verifyingCRC: true).bytes.count, 134)
    }

    func testDetectsCRCMismatch() throws {
        let zip = try ZipArchive(path: TestFiles.fixture("bad_crc.zip").path)
        // Inflated members are always verified.
        assertThrows(["bad_crc.zip", "member 'deflated.txt'", "crc32 mismatch"]) {
            try zip.contents(ofMemberNamed: "deflated.txt")
        }
        // Stored members are verified on request.
        XCTAssertEqual(try zip.contents(ofMemberNamed: "stored.txt").bytes.count, 48)
        assertThrows(["member 'stored.txt'", "crc32 mismatch"]) {
            try zip.contents(ofMemberNamed: "stored.txt", verifyingCRC: true)
        }
    }

    func testRefusesNotAZip() throws {
        let file = MappedFile(copying: Array("this is plainly not a zip archive, just text".utf8), name: "text.bin")
        assertThrows(["text.bin: not a zip archive", "no end of central directory record"]) {
            try ZipArchive(file: file)
        }
        let tiny = MappedFile(copying: [1, 2, 3], name: "tiny.bin")
        assertThrows(["tiny.bin: not a zip archive", "shorter than"]) { try ZipArchive(file: tiny) }
        let empty = MappedFile(copying: [], name: "empty.bin")
        assertThrows(["empty.bin: not a zip archive"]) { try ZipArchive(file: empty) }
        assertThrows(["cannot open file"]) { try ZipArchive(path: "/nonexistent/archive.zip") }
    }

    func testRefusesZipTruncatedInTheMiddle() throws {
        let bytes = try TestFiles.bytes("stored.npz")
        for cut in [bytes.count / 2, bytes.count - 10, 100] {
            let file = MappedFile(copying: Array(bytes.prefix(cut)), name: "cut.npz")
            assertThrows(["cut.npz: not a zip archive"]) { try ZipArchive(file: file) }
        }
    }

    func testRefusesDirectoryPointingPastTheEnd() throws {
        // Keep the end record but drop bytes before it, so its central-directory offset is out of range.
        let bytes = try TestFiles.bytes("stored.npz")
        let eocd = try XCTUnwrap(lastIndex(of: [0x50, 0x4B, 0x05, 0x06], in: bytes))
        let mangled = Array(bytes[0..<200]) + Array(bytes[eocd...])
        let file = MappedFile(copying: mangled, name: "mangled.npz")
        assertThrows(["mangled.npz", "truncated or corrupt zip", "central directory"]) { try ZipArchive(file: file) }
    }

    func testRefusesMemberDataPastTheEnd() throws {
        // Raise the compressed size of the single zip64 member in its ZIP64 extra field.
        var bytes = try TestFiles.bytes("zip64.zip")
        let central = try XCTUnwrap(lastIndex(of: [0x50, 0x4B, 0x01, 0x02], in: bytes))
        let compressedField = central + 46 + 9 + 4 + 8
        bytes[compressedField + 2] = 0x10
        bytes[central + 46 + 9 + 4] = 0x0B  // uncompressed stays 11
        let zip = try ZipArchive(file: MappedFile(copying: bytes, name: "big.zip"))
        assertThrows(["big.zip", "data of 'hello.txt'", "extends beyond the end of the file"]) {
            try zip.contents(ofMemberNamed: "hello.txt")
        }
    }

    func testRefusesDeflateThatProducesMoreThanDeclared() throws {
        var bytes = try TestFiles.bytes("bad_crc.zip")
        // Shrink the declared uncompressed size of deflated.txt in the central directory.
        var position = 0
        while let found = firstIndex(of: [0x50, 0x4B, 0x01, 0x02], in: bytes, from: position) {
            let nameLength = Int(bytes[found + 28])
            let name = String(decoding: bytes[(found + 46)..<(found + 46 + nameLength)], as: UTF8.self)
            if name == "deflated.txt" {
                bytes[found + 24] = 100
                bytes[found + 25] = 0
            }  // 280 -> 100
            position = found + 4
        }
        let zip = try ZipArchive(file: MappedFile(copying: bytes, name: "short.zip"))
        assertThrows(["member 'deflated.txt'", "declared uncompressed size 100 but data exceeds it"]) {
            try zip.contents(ofMemberNamed: "deflated.txt")
        }
    }

    func testReportsMissingMember() throws {
        let zip = try ZipArchive(path: TestFiles.fixture("zip64.zip").path)
        assertThrows(["no member named 'nope'"]) { try zip.contents(ofMemberNamed: "nope") }
    }

    private func lastIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        stride(from: bytes.count - pattern.count, through: 0, by: -1).first {
            Array(bytes[$0..<$0 + pattern.count]) == pattern
        }
    }

    private func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard start <= bytes.count - pattern.count else { return nil }
        return (start...bytes.count - pattern.count).first { Array(bytes[$0..<$0 + pattern.count]) == pattern }
    }
}
