import Foundation
import TorchCheckpoint
import XCTest

/// Randomly corrupted inputs must produce errors, never crashes or hangs.
final class CorruptInputTests: XCTestCase {
    func testCorruptedZipsNeverCrash() throws {
        var generator = SplitMix(seed: 99)
        for name in ["stored.npz", "compressed.npz", "zip64.zip", "tiny_state.zip"] {
            let original = try TestFiles.bytes(name)
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<1 + Int(generator.next() % 6) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                if generator.next() % 4 == 0 { bytes.removeLast(Int(generator.next() % UInt64(bytes.count))) }
                guard let zip = try? ZipArchive(file: MappedFile(copying: bytes, name: name)) else { continue }
                for entry in zip.entries {
                    if let data = try? zip.contents(of: entry, verifyingCRC: true), entry.name.hasSuffix(".npy") {
                        _ = try? NPY.read(data.bytes, source: entry.name)
                        _ = try? NPY.readStrings(data.bytes, source: entry.name)
                    }
                }
                _ = try? TorchStateDict(archive: zip)
            }
        }
    }

    func testCorruptedNPYNeverCrashes() throws {
        var generator = SplitMix(seed: 7)
        for name in ["f32.npy", "i32_fortran.npy", "strings_u.npy", "v2.npy"] {
            let original = try TestFiles.bytes(name)
            for _ in 0..<500 {
                var bytes = original
                // Corrupt mostly the header, where parsing happens.
                for _ in 0..<1 + Int(generator.next() % 3) {
                    bytes[Int(generator.next() % UInt64(min(bytes.count, 140)))] = UInt8(
                        truncatingIfNeeded: generator.next())
                }
                _ = try? bytes.withUnsafeBytes { try NPY.read($0, source: name) }
                _ = try? bytes.withUnsafeBytes { try NPY.readStrings($0, source: name) }
            }
        }
    }

    func testCorruptedNumpyPicklesNeverCrash() throws {
        var generator = SplitMix(seed: 2024)
        for name in ["arrays_p2.pkl", "arrays_p4.pkl"] {
            let original = try TestFiles.bytes(name)
            for _ in 0..<500 {
                var bytes = original
                for _ in 0..<1 + Int(generator.next() % 4) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                _ = try? bytes.withUnsafeBytes { try NumpyPickle.load($0, source: name) }
            }
        }
    }
}
