import Foundation
import P2SAMTraining
import Training

/// A one-line progress bar on stderr: epoch, cases done, running loss, rate (cases/s) and ETA; the CLI's
/// observer of a library training run.
final class TrainingProgress: TrainingObserver {
    private let enabled: Bool
    private let showsMessages: Bool
    private var lastDraw = Date.distantPast
    private let interval: TimeInterval

    /// - Parameters:
    ///   - enabled: draw the bar.
    ///   - messages: print epoch summaries and notices (default: when the bar is drawn).
    init(enabled: Bool = true, messages: Bool? = nil, interval: TimeInterval = 0.25) {
        self.enabled = enabled
        self.showsMessages = messages ?? enabled
        self.interval = interval
    }

    /// Redraws the bar (throttled unless `force`).
    func update(epoch: Int, epochs: Int, done: Int, total: Int, loss: Double, rate: Double, force: Bool) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let width = 24
        let filled = total == 0 ? width : min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let remainingCases = Double(total - done + (epochs - epoch) * total)
        let eta = rate > 0 ? remainingCases / rate : 0
        let line = String(
            format: "\repoch %d/%d %@ %d/%d loss %.4f %.2f cases/s ETA %@ ",
            epoch, epochs, bar, done, total, loss, rate, Self.clock(eta))
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }

    /// Ends the bar's line and prints `message` on stderr.
    func message(_ message: String) {
        guard showsMessages else { return }
        FileHandle.standardError.write(((enabled ? "\r\u{1B}[K" : "") + message + "\n").data(using: .utf8)!)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
