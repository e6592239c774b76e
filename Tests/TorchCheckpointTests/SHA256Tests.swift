import Foundation
import TorchCheckpoint
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(
            SHA256.hex(SHA256.hash(Array("abc".utf8))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex(SHA256.hash([UInt8]())),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAs() {
        XCTAssertEqual(
            SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testStreamingInOddPiecesMatchesOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        var hasher = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 0, 127, 300, 1000] where start < data.count {
            let end = min(data.count, start + size)
            hasher.update(data[start..<end])
            start = end
        }
        hasher.update(data[start...])
        XCTAssertEqual(hasher.finalize(), SHA256.hash(data))
        // Lengths around the padding boundary.
        XCTAssertEqual(
            SHA256.hex(SHA256.hash([UInt8](repeating: 0, count: 55))),
            "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7")
        XCTAssertEqual(
            SHA256.hex(SHA256.hash([UInt8](repeating: 0, count: 56))),
            "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb")
    }

    func testMatchesSha256sumOfAFile() throws {
        // Reference digest computed with `sha256sum Tests/TorchCheckpointTests/Fixtures/f32.npy`.
        XCTAssertEqual(try SHA256.hexDigest(ofFileAt: TestFiles.fixture("f32.npy").path), Self.f32Digest)
    }

    static let f32Digest = "b2c1ad11a517b141a9257420974bacc7eb8fd11ac3dc1b37ede04d0d4637213c"
}
