import Foundation
import LiteMedSAM
import XCTest

/// The documented search order for model files (`ModelSearch`), on a temporary folder tree.
final class ModelSearchTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("model-search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    let search = ModelSearch(environmentVariable: "TEST_MODEL", relativePath: "sub/model.bin")

    private func touch(_ relative: String) throws -> URL {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([1]).write(to: url)
        return url
    }

    private func locate(_ environment: [String: String], cwd: String = "work", exe: String = "pkg/.build/release/tool")
        throws -> URL
    {
        try search.locate(
            environment: environment, currentDirectory: root.appendingPathComponent(cwd),
            executable: root.appendingPathComponent(exe))
    }

    func testEachPlaceWinsOverTheOnesAfterIt() throws {
        let home = ["HOME": root.appendingPathComponent("home").path]
        let aboveExecutable = try touch("pkg/Models/sub/model.bin")
        XCTAssertEqual(try locate(home).path, aboveExecutable.path)
        let inWorkingDirectory = try touch("work/Models/sub/model.bin")
        XCTAssertEqual(try locate(home).path, inWorkingDirectory.path)
        let inCache = try touch("home/.cache/p2sam/sub/model.bin")
        XCTAssertEqual(try locate(home).path, inCache.path)
        let inXDG = try touch("xdg/p2sam/sub/model.bin")
        XCTAssertEqual(
            try locate(home.merging(["XDG_CACHE_HOME": root.appendingPathComponent("xdg").path]) { $1 }).path,
            inXDG.path)
        let inP2SAMCache = try touch("mine/sub/model.bin")
        XCTAssertEqual(
            try locate(home.merging(["P2SAM_CACHE": root.appendingPathComponent("mine").path]) { $1 }).path,
            inP2SAMCache.path)
        // The variable names the file itself, and wins even over a cache hit.
        let named = try touch("named.bin")
        XCTAssertEqual(try locate(home.merging(["TEST_MODEL": named.path]) { $1 }).path, named.path)
    }

    func testAVariableNamingAMissingFileIsReturnedNotSkipped() throws {
        _ = try touch("work/Models/sub/model.bin")
        let typo = root.appendingPathComponent("typo.bin").path
        XCTAssertEqual(try locate(["TEST_MODEL": typo, "HOME": root.path]).path, typo)
    }

    func testNothingFoundListsEveryPlaceInOrder() throws {
        let environment = ["HOME": root.appendingPathComponent("home").path]
        XCTAssertThrowsError(try locate(environment)) { error in
            guard case ModelSearchError.notFound(let failed, let searched) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(failed, search)
            XCTAssertEqual(searched.first, root.appendingPathComponent("home/.cache/p2sam/sub/model.bin").path)
            XCTAssertEqual(searched[1], root.appendingPathComponent("work/Models/sub/model.bin").path)
            XCTAssertTrue(
                searched.contains(root.appendingPathComponent("pkg/Models/sub/model.bin").path), "\(searched)")
            XCTAssertEqual(Set(searched).count, searched.count, "a place is listed twice")
            let text = "\(error)"
            XCTAssertTrue(text.contains("TEST_MODEL") && text.contains("URL"), text)
            XCTAssertFalse(text.contains("--"), "library errors give library advice, not CLI flags: \(text)")
        }
    }

    func testTheCheckpointIsFoundInThisPackageCheckoutFromAnotherDirectory() throws {
        // The package checkout is found from the source location compiled into the library, so a program
        // running anywhere finds `Models/lite_medsam.pth` of the checkout it was built from.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let expected = checkout.appendingPathComponent("Models/lite_medsam.pth")
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: expected.path), "no checkpoint: run scripts/fetch-checkpoint.sh")
        let found = try ModelSearch.liteMedSAMCheckpoint.locate(
            environment: ["HOME": root.path], currentDirectory: root, executable: root.appendingPathComponent("x/y"))
        XCTAssertEqual(found.standardizedFileURL.path, expected.standardizedFileURL.path)
    }
}
