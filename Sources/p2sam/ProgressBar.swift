import Foundation

/// A one-line progress bar on stderr for the command-line tool: label, bar, done/total, rate and ETA.
///
/// Drawn only when a run lasts: from one second after it starts (`P2SAM_PROGRESS=always` draws from
/// the start, `never` not at all), at most four times a second. The library reports progress through
/// callbacks; only the tool draws.
final class ProgressBar {
    private let label: String
    private let unit: String
    private let total: Int
    private let start = Date()
    private let delay: TimeInterval
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private var drawn = false

    /// - Parameters:
    ///   - label: what is counted, e.g. "sampling".
    ///   - total: the count at completion.
    ///   - unit: the rate's unit, e.g. "cases".
    ///   - enabled: false for `--quiet` runs.
    init(_ label: String, total: Int, unit: String, enabled: Bool = true) {
        self.label = label
        self.total = total
        self.unit = unit
        let mode = ProcessInfo.processInfo.environment["P2SAM_PROGRESS"] ?? "auto"
        self.enabled = enabled && mode != "never"
        delay = mode == "always" ? 0 : 1
    }

    /// Redraws the bar for `done` of `total` (throttled).
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= delay, now.timeIntervalSince(lastDraw) >= 0.25 || done == total else { return }
        lastDraw = now
        drawn = true
        let width = 24
        let filled = total <= 0 ? width : min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(
            format: "\r%@ %@ %d/%d  %.2f %@/s  ETA %@ ", label, bar, done, total, rate, unit, Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line (when it was drawn).
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
