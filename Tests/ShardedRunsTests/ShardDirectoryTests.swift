import Foundation
import ShardedRuns
import XCTest

/// A record value with a double that must survive the JSON round trip bit for bit.
struct Payload: Codable, Equatable {
    var x: Double
    var note: String
}

final class ShardDirectoryTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.setAttributes(
            [.posixPermissions: 0o755], ofItemAtPath: root.appendingPathComponent("ro").path)
        try? FileManager.default.removeItem(at: root)
    }

    let ids = (0..<10).map { String(format: "c%02d", $0) }

    func manifest(_ shard: Shard, seed: UInt64 = 1, model: String = "m=abc") throws -> ShardManifest {
        try ShardManifest(
            kind: "evaluate", dataset: "synthetic:10:1", split: "all", method: "single", modelSHA256: model,
            seed: seed, conventions: "hm-iou standard", settings: ["count": "3"], toolVersion: "t",
            allCaseIDs: ids.reversed(), shard: shard)
    }

    /// A value with a long binary expansion, derived from the case name only (never from `hashValue`,
    /// which is seeded per process and once gave a division by zero).
    func value(_ id: String) -> Payload {
        Payload(x: 1.0 / Double(id.unicodeScalars.reduce(3) { $0 + Int($1.value) }) + 0.1, note: id)
    }

    /// Writes shards 0..<n of the run (all cases) and returns their directories.
    func writeShards(_ n: Int, seed: UInt64 = 1) throws -> [URL] {
        try (0..<n).map { i in
            let url = root.appendingPathComponent("s\(i)of\(n)-\(seed)")
            let directory = try ShardDirectory(
                url: url, manifest: try manifest(try Shard(index: i, count: n), seed: seed))
            for id in directory.pendingCaseIDs { try directory.append(ShardRecord(caseID: id, value: value(id))) }
            return url
        }
    }

    func testMergeGivesEveryCaseOnceInSortedOrderWithExactValues() throws {
        for n in [1, 3, 4] {
            let merged = try ShardMerge.merge(try writeShards(n).reversed(), as: Payload.self)
            XCTAssertEqual(merged.records.map(\.caseID), ids)
            XCTAssertEqual(merged.records.map(\.value), ids.map(value))
            XCTAssertEqual(merged.records.map { $0.value.x.bitPattern }, ids.map { value($0).x.bitPattern })
        }
    }

    func testResumeSkipsWrittenCasesAndRedoesAHalfWrittenLine() throws {
        let url = root.appendingPathComponent("resume")
        let m = try manifest(try Shard(index: 1, count: 2))
        do {
            let directory = try ShardDirectory(url: url, manifest: m)
            for id in directory.pendingCaseIDs.prefix(3) {
                try directory.append(ShardRecord(caseID: id, value: value(id)))
            }
        }
        let file = url.appendingPathComponent(ShardDirectory.recordsName)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"case":"c07","note":"c0"#.utf8))
        try handle.close()
        XCTAssertThrowsError(try ShardMerge.merge([url, try writeShards(2)[0]], as: Payload.self)) { error in
            XCTAssertTrue("\(error)".contains("half-written"), "\(error)")
        }
        let resumed = try ShardDirectory(url: url, manifest: m)
        XCTAssertTrue(resumed.repairedTail)
        XCTAssertEqual(resumed.finished, ["c01", "c03", "c05"])
        XCTAssertEqual(resumed.pendingCaseIDs, ["c07", "c09"])
        for id in resumed.pendingCaseIDs { try resumed.append(ShardRecord(caseID: id, value: value(id))) }
        let merged = try ShardMerge.merge([try writeShards(2)[0], url], as: Payload.self)
        XCTAssertEqual(merged.records.map(\.caseID), ids)
        XCTAssertEqual(String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n").count, 5)
    }

    func testABatchIsWrittenWholeOrNotAtAll() throws {
        let url = root.appendingPathComponent("batch")
        let directory = try ShardDirectory(url: url, manifest: try manifest(.whole))
        try directory.append(contentsOf: ["c00", "c01"].map { ShardRecord(caseID: $0, value: value($0)) })
        XCTAssertThrowsError(
            try directory.append(contentsOf: ["c02", "c02"].map { ShardRecord(caseID: $0, value: value($0)) })
        ) {
            XCTAssertEqual(
                $0 as? ShardError,
                .unexpectedCase(path: url.appendingPathComponent(ShardDirectory.recordsName).path, caseID: "c02"))
        }
        XCTAssertThrowsError(try directory.append(ShardRecord(caseID: "c01", value: value("c01"))))
        XCTAssertThrowsError(try directory.append(ShardRecord(caseID: "zz", value: value("zz"))))
        XCTAssertEqual(directory.finished, ["c00", "c01"])
        XCTAssertEqual(
            try ShardDirectory(url: url, manifest: try manifest(.whole)).pendingCaseIDs, Array(ids.dropFirst(2)))
    }

    func testResumeRefusesADirectoryOfAnotherRun() throws {
        let url = try writeShards(2)[0]
        XCTAssertThrowsError(
            try ShardDirectory(url: url, manifest: try manifest(try Shard(index: 0, count: 2), seed: 9))
        ) { error in
            guard case .manifestConflict(_, "seed", "1", "9")? = error as? ShardError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertThrowsError(try ShardDirectory(url: url, manifest: try manifest(try Shard(index: 1, count: 2)))) {
            error in
            guard case .manifestConflict(_, "shard", _, _)? = error as? ShardError else { return XCTFail("\(error)") }
        }
    }

    func testMergeNamesMismatchedManifests() throws {
        let a = try writeShards(2, seed: 1)
        let b = try writeShards(2, seed: 2)
        XCTAssertThrowsError(try ShardMerge.merge([a[0], b[1]], as: Payload.self)) { error in
            guard case .mismatchedManifests(let first, let second, "seed", "1", "2")? = error as? ShardError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(first, a[0].path)
            XCTAssertEqual(second, b[1].path)
        }
        let other = root.appendingPathComponent("other-model")
        let directory = try ShardDirectory(
            url: other, manifest: try manifest(try Shard(index: 1, count: 2), model: "m=def"))
        for id in directory.pendingCaseIDs { try directory.append(ShardRecord(caseID: id, value: value(id))) }
        XCTAssertThrowsError(try ShardMerge.merge([a[0], other], as: Payload.self)) { error in
            XCTAssertTrue("\(error)".contains("model_sha256 is m=abc vs m=def"), "\(error)")
        }
    }

    func testMergeNamesMissingShardsAndCases() throws {
        let shards = try writeShards(3)
        XCTAssertThrowsError(try ShardMerge.merge([shards[0], shards[2]], as: Payload.self)) {
            XCTAssertEqual($0 as? ShardError, .incompleteShardSet(count: 3, missing: [1], repeated: []))
        }
        XCTAssertThrowsError(try ShardMerge.merge([shards[0], shards[1], shards[1], shards[2]], as: Payload.self)) {
            XCTAssertEqual($0 as? ShardError, .incompleteShardSet(count: 3, missing: [], repeated: [1]))
        }
        let file = shards[1].appendingPathComponent(ShardDirectory.recordsName)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ShardMerge.merge(shards, as: Payload.self)) { error in
            guard case .missingCases(_, let missing)? = error as? ShardError else { return XCTFail("\(error)") }
            XCTAssertEqual(missing, ["c07"])
        }
        try (lines + [lines[0]]).joined(separator: "\n").appending("\n").write(
            to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ShardMerge.merge(shards, as: Payload.self)) {
            XCTAssertEqual($0 as? ShardError, .duplicatedCases(["c01"]))
        }
        try (["{oops"] + lines).joined(separator: "\n").appending("\n").write(
            to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ShardMerge.merge(shards, as: Payload.self)) { error in
            guard case .corruptRecord(_, 1, _)? = error as? ShardError else { return XCTFail("\(error)") }
        }
    }

    func testReadOnlyDirectoryIsAClearErrorAndKeepsTheRecords() throws {
        let url = root.appendingPathComponent("ro")
        let m = try manifest(.whole)
        let directory = try ShardDirectory(url: url, manifest: m)
        try directory.append(ShardRecord(caseID: "c00", value: value("c00")))
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: url.path)
        let file = url.appendingPathComponent(ShardDirectory.recordsName)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: file.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path) }
        if getuid() == 0 {
            // root ignores permission bits; a directory below a regular file cannot be created by anyone.
            XCTAssertThrowsError(try ShardDirectory(url: file.appendingPathComponent("x"), manifest: m)) { error in
                guard case .unwritableDirectory? = error as? ShardError else { return XCTFail("\(error)") }
            }
        } else {
            XCTAssertThrowsError(try ShardDirectory(url: url, manifest: m)) { error in
                guard case .unwritableDirectory? = error as? ShardError else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try ShardDirectory(url: url.appendingPathComponent("new"), manifest: m)) { error in
                guard case .unwritableDirectory? = error as? ShardError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertEqual(String(decoding: try Data(contentsOf: file), as: UTF8.self).split(separator: "\n").count, 1)
    }
}
