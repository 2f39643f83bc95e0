import Foundation

/// Resident memory of this process from /proc/self/status (Linux), for benchmark reports.
public enum MemoryUsage {
    /// VmRSS in bytes.
    public static var residentBytes: Int? { field("VmRSS:") }
    /// VmHWM (peak resident set) in bytes.
    public static var peakResidentBytes: Int? { field("VmHWM:") }

    /// Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs), when allowed.
    public static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Int(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }
}

/// Order statistics of timing samples.
public enum SampleStatistics {
    /// The median (the mean of the middle two for an even count); nil for no samples.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The sample at `fraction` (0…1) of the sorted values (nearest rank, no interpolation); nil for none.
    public static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(fraction * Double(sorted.count)))]
    }
}

extension Duration {
    /// The duration in milliseconds.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// CPU time (user + system, every thread), for figures of runs that use several cores or processes.
public enum CPUTime {
    /// Seconds this process has used so far.
    public static var ofThisProcess: Double { seconds(RUSAGE_SELF.rawValue) }
    /// Seconds used by this process's children that have ended and been waited for.
    public static var ofEndedChildren: Double { seconds(RUSAGE_CHILDREN.rawValue) }

    private static func seconds(_ who: Int32) -> Double {
        var usage = rusage()
        getrusage(who, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
