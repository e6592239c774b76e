import Foundation

/// The lines of a JSON Lines file, split into complete lines and a half-written tail.
///
/// A line is complete when it ends with a newline and parses as a record with a `"case"` id. The
/// last line may be missing its newline or be cut mid-record when a job was killed while writing:
/// that tail is reported separately so a resumed shard can cut it off and redo its case.
struct RecordLines {
    /// Complete lines (newline stripped) with their case ids, in file order.
    var complete: [(caseID: String, line: Data)] = []
    /// Byte length of the complete lines, i.e. where a half-written tail starts.
    var completeLength = 0
    /// True when the file ends with a half-written line.
    var hasHalfWrittenTail = false

    /// Reads `url` (an absent file has no lines).
    /// - Throws: `ShardError.corruptRecord` for a bad line that is not the last one.
    init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let data = try Data(contentsOf: url)
        var start = data.startIndex
        var lineNumber = 0
        while start < data.endIndex {
            lineNumber += 1
            let newline = data[start...].firstIndex(of: 0x0a)
            let end = newline ?? data.endIndex
            let line = data[start..<end]
            let isLast = newline == nil || newline! + 1 == data.endIndex
            let parsed = try? JSONDecoder().decode(RecordCaseID.self, from: Data(line))
            if newline == nil || parsed == nil {
                guard isLast else {
                    throw ShardError.corruptRecord(
                        path: url.path, line: lineNumber,
                        reason: line.isEmpty ? "empty line" : "not a JSON record with a \"case\" id")
                }
                hasHalfWrittenTail = true
                return
            }
            complete.append((parsed!.caseID, Data(line)))
            start = end + 1
            completeLength = start - data.startIndex
        }
    }
}
