#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's entry point for programs with their own `main` (from the fuzzer runtime that
/// `-sanitize=fuzzer` links in).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer with the process's arguments, calling `body` with every input.
///
/// `body` must not crash, hang or leak on any input: errors are the expected outcome for bad data.
public enum FuzzDriver {
    nonisolated(unsafe) private static var body: (([UInt8]) -> Void)?

    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        Self.body = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = runFuzzerDriver(&argc, &argv) { data, size in
            let bytes = size == 0 ? [] : [UInt8](UnsafeBufferPointer(start: data, count: size))
            FuzzDriver.body?(bytes)
            return 0
        }
        exit(status)
    }
}
