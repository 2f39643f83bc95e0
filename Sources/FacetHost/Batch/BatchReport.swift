import Foundation

/// What a batch came to, item by item, from its records: the table `facet batch` prints at the
/// end (and `--summary` prints at any time) and its `--json` report.
public struct BatchReport: Codable, Sendable {
    /// One item's line.
    public struct Item: Codable, Sendable, Equatable {
        /// Where an item stands.
        public enum Status: String, Codable, Sendable, CaseIterable {
            /// Made in this run.
            case done
            /// Done by an earlier run with the same settings: skipped.
            case skipped
            /// Its last attempt failed.
            case failed
            /// Started but never reported an end (a killed worker), or not reached.
            case unfinished
            /// Never run with its current settings.
            case pending
        }

        public var number: Int
        public var input: String
        public var output: String
        public var status: Status
        public var attempts: Int
        public var frames: Int?
        public var wallSeconds: Double?
        public var cpuSeconds: Double?
        public var error: String?
    }

    /// The job file.
    public var jobFile: String
    /// Its state folder.
    public var state: String
    /// Every item.
    public var items: [Item]
    /// Wall-clock seconds of this run (nil for `--summary`).
    public var wallSeconds: Double?
    /// CPU seconds of this run, the workers' included (nil for `--summary`).
    public var cpuSeconds: Double?
    /// Workers at once (nil for `--summary` and Slurm).
    public var jobs: Int?

    /// Counts of items by status.
    public var counts: [Item.Status: Int] {
        items.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }

    /// Whether every item's output is there: made now or earlier.
    public var succeeded: Bool { items.allSatisfy { $0.status == .done || $0.status == .skipped } }

    /// The report of `job` from its records; items numbered in `ranNow` ran in this run (done ones
    /// are `done`, others done are `skipped`). Without `ranNow` (a summary of the state, no run),
    /// every done item is `done`.
    public static func make(job: BatchJob, state: BatchState, ranNow: Set<Int>? = nil) -> BatchReport {
        let items = job.items.map { item -> Item in
            let record = state.record(for: item)
            let current = record.flatMap { $0.fingerprint == item.fingerprint ? $0 : nil }
            let status: Item.Status
            if state.isDone(item) {
                status = (ranNow?.contains(item.number) ?? true) ? .done : .skipped
            } else {
                switch current?.status {
                case .failed?: status = .failed
                case .running?: status = .unfinished
                case .done?: status = .pending  // its output went away or changed: it will be redone
                case nil: status = ranNow?.contains(item.number) == true ? .unfinished : .pending
                }
            }
            return Item(
                number: item.number, input: item.input.path, output: item.output.path, status: status,
                attempts: current?.attempts ?? 0, frames: current?.frames, wallSeconds: current?.wallSeconds,
                cpuSeconds: current?.cpuSeconds, error: status == .failed ? current?.error : nil)
        }
        return BatchReport(jobFile: job.file.path, state: state.directory.path, items: items)
    }
}
