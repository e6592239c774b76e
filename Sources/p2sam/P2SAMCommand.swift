import ArgumentParser
import Foundation
import SAMTensor

/// The `p2sam` command-line tool: one subcommand per file in this folder.
@main
struct P2SAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "p2sam",
        abstract: "Probabilistic medical segmentation with LiteMedSAM (P²SAM) and multi-rater scoring.",
        version: ToolVersion.current,
        subcommands: [
            EmbedCommand.self,
            SegmentCommand.self,
            InferCommand.self,
            SampleCommand.self,
            URSAMCommand.self,
            MedSAMUCommand.self,
            EvaluateCommand.self,
            FinetuneCommand.self,
            BenchmarkCommand.self,
            ScoreCommand.self,
            CompareCommand.self,
            ModelsCommand.self,
            DataCommand.self,
            TrainCommand.self,
            SetTemperatureCommand.self,
            MergeCommand.self,
            AutosegCommand.self,
        ]
    )

    static func main() {
        ProcessSetup.selectBLASKernels()
        AllocatorTuning.retainFreedMemory()
        // A write past a file-size limit then fails with EFBIG (reported) instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    /// Prints `error` the one way the tool reports errors (`error: …` on stderr; help and `--version`
    /// on stdout) and exits with its status.
    static func exit(reporting error: Error) -> Never {
        // File errors from Foundation are reworded with their path, model-file errors with this tool's
        // options (`ErrorText`), not shown raw.
        let ns = error as NSError
        let isFileError = ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain
        let restate = isFileError || ErrorText.commandLineAdvice(error) != nil
        let error = restate ? RestatedError(description: ErrorText.message(error)) : error
        let code = exitCode(for: error)
        var message = fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
        } else if !message.isEmpty {
            if message.hasPrefix("Error: ") {
                message = "error: " + message.dropFirst("Error: ".count)
            } else if !message.hasPrefix("error: ") && !message.hasPrefix("Usage:") {
                message = "error: " + message
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
        Foundation.exit(code.rawValue)
    }
}

/// Process-level set-up that must happen before any work.
enum ProcessSetup {
    /// Re-executes the program once with `OPENBLAS_CORETYPE` set when `BLASKernelSelection`
    /// recommends it (OpenBLAS reads it only at load time). Set `P2SAM_KEEP_BLAS_CORETYPE=1` to opt out.
    static func selectBLASKernels() {
        guard let core = BLASKernelSelection.recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(BLASKernelSelection.reexecMarker, core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc): carry on with OpenBLAS's own choice.
    }
}
