/// One piece `i` of a run split into `n` pieces (`--shard i/n`, 0-based).
///
/// Cases are assigned by a stable rule that does not depend on the order a reader returns them in:
/// the case ids are sorted (Unicode scalar order) and the case at sorted position p belongs to shard
/// `p mod n`. Round-robin spreads neighbouring slices of one scan over all shards, which balances them.
public struct Shard: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 0-based index, `0 ..< count`.
    public let index: Int
    /// Number of shards, at least 1.
    public let count: Int

    /// The whole run as one shard.
    public static let whole = Shard(uncheckedIndex: 0, count: 1)

    /// - Throws: `ShardError.invalidShard` unless `0 <= index < count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else { throw ShardError.invalidShard("\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    /// - Throws: `ShardError.invalidShard` for anything else, e.g. `3/2` or `0/0`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ShardError.invalidShard(text)
        }
        self.index = i
        self.count = n
    }

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// The case ids of all shards in processing order: sorted.
    /// - Throws: `ShardError.duplicateCaseID` when an id repeats.
    public static func sortedCaseIDs(_ ids: [String]) throws -> [String] {
        let sorted = ids.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a == b { throw ShardError.duplicateCaseID(a) }
        return sorted
    }

    /// This shard's case ids, in sorted order.
    /// - Throws: `ShardError.duplicateCaseID` when an id repeats.
    public func caseIDs(of ids: [String]) throws -> [String] {
        let sorted = try Self.sortedCaseIDs(ids)
        return sorted.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
