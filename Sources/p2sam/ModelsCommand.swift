import ArgumentParser
import Foundation
import P2SAM

/// `p2sam models`: the bundled P²SAM models, where each file was found, and whether it is the file its card
/// describes.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the bundled P²SAM models (--model NAME): their files, cards and training data.",
        discussion: """
            For each bundled model (synthetic, lidc, bubil) prints the files `--model NAME` would use (found as \
            sample and evaluate find them: $P2SAM_MODEL_<NAME>, the user cache, Models/ here, in the checkout or \
            above the executable), whether each file's sha256 matches its model card, its size, and what it was \
            trained on. A model may be several files sampled as one mixture (lidc: three trainings). Exits with \
            status 1 when a file is missing or does not match its card.
            """)

    func run() throws {
        var problems: [String] = []
        for entry in P2SAMModelCard.entries {
            let kind = entry.isMixture ? "\(entry.relativePaths.count) files, sampled as one mixture" : "1 file"
            print("\(entry.name)\(entry.name == "synthetic" ? " (the default)" : ""): \(kind)")
            print("  trained on \(entry.trainedOn)")
            let files: [(url: URL, card: Result<URL?, any Error>)]
            do {
                files = try P2SAMModelCard.checkedFiles(entry.name)
            } catch {
                print("  MISSING: \(error)")
                problems.append("\(entry.name) missing")
                continue
            }
            if let first = files.first?.url,
                let intensity = (try? P2SAMModelFile.readMetadata(contentsOf: first)).flatMap(TrainingIntensity.init)
            {
                print(
                    "  intensities: trained with \(intensity.optionText); sample --dataset and evaluate apply it unless given --window or --normalize"
                )
            }
            for (file, card) in files {
                let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
                guard let size else {
                    print("  MISSING: \(file.path)")
                    problems.append("\(file.lastPathComponent) missing")
                    continue
                }
                let megabytes = String(format: "%.1f MB", Double(size) / 1_000_000)
                switch card {
                case .success(let card):
                    let check = card.map { "sha256 matches its card \($0.lastPathComponent)" } ?? "no card: not checked"
                    print("  \(file.path) (\(megabytes)): \(check)")
                case .failure(let error):
                    print("  MISMATCH: \(file.path) (\(megabytes)): \(error)")
                    problems.append("\(file.lastPathComponent) not the file its card describes")
                }
            }
        }
        if !problems.isEmpty {
            FileHandle.standardError.write(Data("error: \(problems.joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
    }
}
