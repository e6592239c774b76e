import ShardedRuns
import XCTest

final class ShardTests: XCTestCase {
    func testParsingAcceptsOnlyValidShards() throws {
        XCTAssertEqual(try Shard(parsing: "2/4"), try Shard(index: 2, count: 4))
        for bad in ["3/2", "0/0", "2/2", "-1/3", "1", "a/b", "1/2/3", ""] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad) { error in
                XCTAssertEqual(error as? ShardError, .invalidShard(bad))
                XCTAssertTrue("\(error)".contains("'\(bad)'"))
            }
        }
    }

    func testShardsPartitionSortedCaseIDsWhateverTheInputOrder() throws {
        let ids = (0..<23).map { "case-\($0)" }.shuffled()
        for n in 1...5 {
            let pieces = try (0..<n).map { try Shard(index: $0, count: n).caseIDs(of: ids) }
            XCTAssertEqual(pieces.flatMap { $0 }.sorted(), ids.sorted(), "n = \(n)")
            XCTAssertEqual(Set(pieces.flatMap { $0 }).count, ids.count)
            for piece in pieces { XCTAssertEqual(piece, piece.sorted()) }
            XCTAssertEqual(try Shard(index: 0, count: n).caseIDs(of: ids.reversed()), pieces[0])
        }
    }

    func testDuplicateCaseIDsAreNamed() {
        XCTAssertThrowsError(try Shard.sortedCaseIDs(["a", "b", "a"])) {
            XCTAssertEqual($0 as? ShardError, .duplicateCaseID("a"))
        }
    }

    func testCaseSeedDependsOnSeedCaseAndStreamOnly() {
        let a = CaseSeed.seed(run: 7, caseID: "LIDC-0001_slice_3", stream: "box")
        XCTAssertEqual(a, CaseSeed.seed(run: 7, caseID: "LIDC-0001_slice_3", stream: "box"))
        XCTAssertNotEqual(a, CaseSeed.seed(run: 8, caseID: "LIDC-0001_slice_3", stream: "box"))
        XCTAssertNotEqual(a, CaseSeed.seed(run: 7, caseID: "LIDC-0001_slice_4", stream: "box"))
        XCTAssertNotEqual(a, CaseSeed.seed(run: 7, caseID: "LIDC-0001_slice_3", stream: "method"))
        let seeds = Set((0..<10_000).map { CaseSeed.seed(run: 1, caseID: "case\($0)", stream: "s") })
        XCTAssertGreaterThan(seeds.count, 9_990)
        XCTAssertTrue(seeds.allSatisfy { $0 >= 1 && $0 <= UInt64(UInt32.max) })
    }
}
