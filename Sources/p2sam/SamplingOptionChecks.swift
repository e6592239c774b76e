import ArgumentParser
import P2SAM

/// Checks of the P²SAM sampling options that `sample`, `evaluate` and `set-temperature` share, each naming the
/// option as the user spelled it.
enum SamplingOptionChecks {
    /// Refuses a latent temperature τ that is not a positive finite number; nil passes.
    ///
    /// - Parameters:
    ///   - tau: the value given, or nil when the option was not given.
    ///   - option: the option's spelling, e.g. `--latent-temperature`.
    static func latentTemperature(_ tau: Float?, option: String) throws {
        if let tau, !(tau > 0 && tau.isFinite) {
            throw ValidationError("\(option) must be a positive finite number, got \(tau)")
        }
    }

    /// The per-sample box jitter of `fraction` (`PromptBoxJitter`), refused by `option` unless `0 ≤ F < 0.5`; nil for
    /// nil.
    ///
    /// - Parameters:
    ///   - fraction: the value given, or nil when the option was not given.
    ///   - option: the option's spelling, e.g. `--box-jitter`.
    @discardableResult
    static func boxJitter(_ fraction: Double?, option: String) throws -> PromptBoxJitter? {
        guard let fraction else { return nil }
        do { return try PromptBoxJitter(fraction: fraction) } catch { throw ValidationError("\(option): \(error)") }
    }
}
