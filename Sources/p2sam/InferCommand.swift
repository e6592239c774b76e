import ArgumentParser
import Foundation
import LiteMedSAM

/// `p2sam infer`: LiteMedSAM on a folder of CVPR 2024 "MedSAM on Laptop" challenge cases, a drop-in
/// for the reference `CVPR24_LiteMedSAM_infer.py`.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Segment a folder of challenge .npz cases (2D and 3D box prompts), as LiteMedSAM's challenge script.",
        discussion: """
            Reads every *.npz in --input (sorted by name) and writes a file of the same name to --output holding \
            `segs` (uint16, object ids 1..N, 0 = background). A file whose name starts with "3D" is a 3D case: \
            `imgs` D x H x W uint8, `boxes` N x 6 [x_min, y_min, z_min, x_max, y_max, z_max], `spacing`; it is \
            segmented slice by slice from each object's middle slice outwards, each slice prompted with the \
            box of the previous slice's mask. Any other file is a 2D case: `imgs` H x W x 3 uint8, `boxes` N x 4 \
            [x_min, y_min, x_max, y_max]. A case that cannot be read or segmented is reported and skipped; the \
            others are still processed, the failures are listed at the end and the exit status is then 1.
            """)

    @Option(help: "Folder of challenge cases (*.npz).")
    var input: String

    @Option(help: "Folder for the segmentations (created if needed).")
    var output: String

    @Option(
        name: .customLong("max-decompressed-mib"),
        help: "Refuse a case array (.npz member) larger than this many MiB; compressed ones before inflating.")
    var maxDecompressedMiB = ChallengeLimits.defaultMaxDecompressedBytes >> 20

    @Flag(help: "Print only failures and the summary.")
    var quiet = false

    @OptionGroup var model: ModelOptions

    @OptionGroup var precisionOption: PrecisionOption

    func validate() throws {
        guard (1...(1 << 20)).contains(maxDecompressedMiB) else {
            throw ValidationError("--max-decompressed-mib must be 1…1048576")
        }
    }

    func run() throws {
        precisionOption.apply()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--input \(input) is not a folder")
        }
        let inputURL = URL(fileURLWithPath: input)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".npz") }.sorted()
        } catch {
            throw CommandError("--input \(input): \(ErrorText.reason(error))")
        }
        guard !names.isEmpty else { throw ValidationError("--input \(input) holds no .npz files") }
        try InputChecks.outputFolder(output, option: "--output")
        let outputURL = URL(fileURLWithPath: output)
        if inputURL.standardizedFileURL.path == outputURL.standardizedFileURL.path {
            throw ValidationError("--output must differ from --input (outputs have the inputs' names)")
        }

        let runner = ChallengeRunner(
            predictor: try model.loadPredictor(),
            limits: ChallengeLimits(maxDecompressedBytes: maxDecompressedMiB << 20))
        var failures: [String] = []
        let started = Date()
        for (number, name) in names.enumerated() {
            let caseStart = Date()
            let prefix = "[\(number + 1)/\(names.count)] \(name)"
            do {
                let challengeCase = try ChallengeCase.read(
                    contentsOf: inputURL.appendingPathComponent(name),
                    limits: runner.limits)
                var bar: ProgressBar?
                let segmentation = try runner.segment(challengeCase) { done, total in
                    if bar == nil, total > 1 { bar = ProgressBar(name, total: total, unit: "slices", enabled: !quiet) }
                    bar?.update(done)
                }
                bar?.finish()
                try segmentation.write(to: outputURL.appendingPathComponent(name))
                if !quiet {
                    let kind = segmentation.shape.count == 3 ? "3D \(segmentation.shape[0]) slices" : "2D"
                    print(
                        String(
                            format: "%@: %@, %d object%@, %.2f s", prefix, kind, challengeCase.objectCount,
                            challengeCase.objectCount == 1 ? "" : "s",
                            Date().timeIntervalSince(caseStart)))
                }
            } catch {
                let message = error is ChallengeCaseError ? "\(error)" : "\(name): \(ErrorText.message(error))"
                Diagnostics.error(message)
                failures.append(message)
            }
        }
        let succeeded = names.count - failures.count
        print(
            String(
                format: "%d of %d cases segmented in %.1f s; outputs in %@", succeeded, names.count,
                Date().timeIntervalSince(started), output))
        if !failures.isEmpty {
            print("\(failures.count) failed:")
            for failure in failures { print("  \(failure)") }
            throw ExitCode(1)
        }
    }
}
