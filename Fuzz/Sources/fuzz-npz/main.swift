import Foundation
import FuzzSupport
import MultiRaterData
import TorchCheckpoint

// `.npz`: the zip container and every member, then the multi-rater dataset reader on the same bytes
// (through a temporary file, as users give it a path), with a 1 MiB inflation limit.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-npz-\(getpid())")
try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let file = folder.appendingPathComponent("fuzz.npz")
let limits = DatasetLimits(maxCases: 1000, maxDecompressedBytes: 1 << 20)

FuzzDriver.run { bytes in
    if let zip = try? ZipArchive(file: MappedFile(copying: bytes, name: "fuzz.npz")) {
        let archive = NPZArchive(zip: zip, maxInflatedMemberBytes: limits.maxDecompressedBytes)
        for name in archive.names {
            _ = try? archive.array(named: name)
            _ = try? archive.strings(named: name)
        }
    }
    guard (try? Data(bytes).write(to: file)) != nil else { return }
    _ = try? NPZDatasetReader.read(contentsOf: file, limits: limits)
}
