import Foundation

/// A shard's output directory: `manifest.json` and `cases.jsonl` (one record per finished case).
///
/// Opening an existing directory resumes it: the manifest must match the run, finished cases are
/// skipped and a half-written last line (a job killed while writing) is cut off so its case is redone.
/// Each record is appended with one write and flushed to disk before the next case starts, so a
/// preempted job loses at most the case it was working on.
public final class ShardDirectory {
    public static let manifestName = "manifest.json"
    public static let recordsName = "cases.jsonl"

    public let url: URL
    public let manifest: ShardManifest
    /// Cases already written (by an earlier run of this shard).
    public private(set) var finished: Set<String>
    /// True when opening cut off a half-written last record.
    public let repairedTail: Bool
    private let handle: FileHandle

    /// Cases of the shard still to do, in sorted order.
    public var pendingCaseIDs: [String] { manifest.caseIDs.filter { !finished.contains($0) } }

    /// Creates or resumes the shard directory `url` for `manifest`.
    /// - Throws: `ShardError.unwritableDirectory`, `.manifestConflict`, `.corruptRecord`, `.unexpectedCase`.
    public init(url: URL, manifest: ShardManifest) throws {
        self.url = url
        self.manifest = manifest
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ShardError.unwritableDirectory(path: url.path, reason: Self.reason(error))
        }
        let manifestURL = url.appendingPathComponent(Self.manifestName)
        if fileManager.fileExists(atPath: manifestURL.path) {
            let existing = try ShardManifest.read(from: url)
            if let difference = existing.firstDifference(from: manifest) {
                throw ShardError.manifestConflict(
                    path: url.path, field: difference.field,
                    existing: difference.mine, requested: difference.theirs)
            }
            if existing.shard != manifest.shard {
                throw ShardError.manifestConflict(
                    path: url.path, field: "shard", existing: existing.shard.description,
                    requested: manifest.shard.description)
            }
        } else {
            try Self.writeAtomically(try manifest.encoded(), to: manifestURL)
        }
        let recordsURL = url.appendingPathComponent(Self.recordsName)
        let lines = try RecordLines(contentsOf: recordsURL)
        let assigned = Set(manifest.caseIDs)
        var finished = Set<String>()
        for (id, _) in lines.complete {
            guard assigned.contains(id) else { throw ShardError.unexpectedCase(path: recordsURL.path, caseID: id) }
            finished.insert(id)
        }
        self.finished = finished
        self.repairedTail = lines.hasHalfWrittenTail
        if !fileManager.fileExists(atPath: recordsURL.path) {
            guard fileManager.createFile(atPath: recordsURL.path, contents: nil) else {
                throw ShardError.unwritableDirectory(path: url.path, reason: "cannot create \(Self.recordsName)")
            }
        }
        do {
            handle = try FileHandle(forUpdating: recordsURL)
            try handle.truncate(atOffset: UInt64(lines.completeLength))
            try handle.seekToEnd()
        } catch {
            throw ShardError.unwritableDirectory(path: url.path, reason: Self.reason(error))
        }
    }

    deinit { try? handle.close() }

    /// Appends the record of one finished case and flushes it to disk.
    /// - Throws: `ShardError.unexpectedCase` for a case outside the shard or already written;
    ///   `.unwritableDirectory` when the write fails (the file is left as before the call).
    public func append<Value: Encodable>(_ record: ShardRecord<Value>) throws {
        try append(contentsOf: [record])
    }

    /// Appends the records of several finished cases with one write and one flush (for cases that
    /// take milliseconds, where a flush per case would cost more than the case).
    /// - Throws: as `append(_:)`; on failure none of the records is kept.
    public func append<Value: Encodable>(contentsOf records: [ShardRecord<Value>]) throws {
        var batch = Set<String>()
        for record in records {
            guard manifest.caseIDs.contains(record.caseID), !finished.contains(record.caseID),
                batch.insert(record.caseID).inserted
            else {
                throw ShardError.unexpectedCase(
                    path: url.appendingPathComponent(Self.recordsName).path, caseID: record.caseID)
            }
        }
        var lines = Data()
        for record in records { lines.append(try record.encodedLine()) }
        do {
            let offset = try handle.offset()
            do {
                try handle.write(contentsOf: lines)
                try handle.synchronize()
            } catch {
                try? handle.truncate(atOffset: offset)
                throw error
            }
        } catch {
            throw ShardError.unwritableDirectory(path: url.path, reason: Self.reason(error))
        }
        finished.formUnion(batch)
    }

    /// Writes `data` to a temporary file beside `url`, then renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let code = errno
                try? FileManager.default.removeItem(at: temporary)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            }
        } catch {
            throw ShardError.unwritableDirectory(path: url.deletingLastPathComponent().path, reason: reason(error))
        }
    }

    static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}
