import Foundation

/// How much of the machine other processes took while a measurement ran, from `/proc/stat` (all CPUs)
/// and `/proc/self/stat` (this process), so a benchmark can say when its figures are disturbed without
/// comparing against numbers stored from another machine.
struct MachineLoad {
    /// Busy and total jiffies of all CPUs, and this process's user + system jiffies.
    struct Sample {
        var busy: Double
        var total: Double
        var own: Double
    }

    /// The current counters, or nil where `/proc` is not available.
    static func sample() -> Sample? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }),
            let own = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 5 else { return nil }
        let total = fields.prefix(8).reduce(0, +)
        let idle = fields[3] + fields[4]  // idle + iowait
        // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
        guard let close = own.lastIndex(of: ")") else { return nil }
        let rest = own[own.index(after: close)...].split(separator: " ")
        guard rest.count > 12, let user = Double(rest[11]), let system = Double(rest[12]) else { return nil }
        return Sample(busy: total - idle, total: total, own: user + system)
    }

    /// The share of all CPU time between `start` and `end` that other processes used (0…1).
    static func othersShare(from start: Sample, to end: Sample) -> Double {
        let total = end.total - start.total
        guard total > 0 else { return 0 }
        let others = (end.busy - start.busy) - (end.own - start.own)
        return min(1, max(0, others / total))
    }

    /// A warning when other processes took more than `threshold` of the CPU time.
    static func busyWarning(othersShare share: Double, threshold: Double = 0.15) -> String? {
        guard share > threshold else { return nil }
        return String(
            format: "other processes used %.0f %% of the CPU time during the SGEMM measurement: the timings below "
                + "are slower than this machine can do; rerun on a quiet machine", 100 * share)
    }

    /// The CPU's model name from `/proc/cpuinfo` (nil where it is not available).
    static func cpuModel() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in info.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
