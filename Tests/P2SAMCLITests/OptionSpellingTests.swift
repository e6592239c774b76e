import Foundation
import XCTest

/// Every command spells each of its options once. ArgumentParser accepts two options with the same name and gives
/// the value to one of them, so a repeated name silently makes the other option unreachable (`train --max-cases`
/// was both the dataset cap and the training subset).
final class OptionSpellingTests: XCTestCase {
    /// The subcommand paths listed under `SUBCOMMANDS:` of `p2sam <path> --help`, recursively.
    func commandPaths(_ path: [String] = []) throws -> [[String]] {
        let help = try CLIRunner.run(path + ["--help"]).output
        guard let listing = help.range(of: "SUBCOMMANDS:") else { return [path] }
        // Entries are "  name   abstract"; the closing "  See 'p2sam help …'" line is not one.
        let names = help[listing.upperBound...].split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.hasPrefix("  See ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        guard path.count < 2 else { return [path] }
        return try [path] + names.flatMap { try commandPaths(path + [$0]) }
    }

    func testNoCommandSpellsAnOptionTwice() throws {
        let paths = try commandPaths()
        XCTAssertTrue(paths.contains(["train"]) && paths.contains(["data", "split"]), "\(paths)")
        for path in paths {
            let help = try CLIRunner.run(path + ["--help"]).output
            // One block per usage line: `finetune` shows its recipes' own option lists after its own.
            for block in help.components(separatedBy: "USAGE:") {
                let options = block.components(separatedBy: "SUBCOMMANDS:")[0].split(separator: "\n").compactMap {
                    line -> String? in
                    let words = line.split(separator: " ")
                    // Option entries start at column 2; wrapped help text is indented further.
                    guard line.hasPrefix("  "), !line.hasPrefix("   "), let first = words.first else { return nil }
                    let name = first.hasPrefix("--") ? first : words.dropFirst().first
                    guard let name, name.hasPrefix("--") else { return nil }
                    return String(name.hasSuffix(",") ? name.dropLast() : name)
                }
                let repeated = Dictionary(grouping: options, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                XCTAssertTrue(repeated.isEmpty, "p2sam \(path.joined(separator: " ")) spells \(repeated) twice")
            }
        }
    }
}
