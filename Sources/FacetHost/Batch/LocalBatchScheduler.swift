import Foundation

// Running a batch on this machine: up to N workers at once, each a child process
// `facet batch JOBS.yaml --task K --worker` (the code path of a Slurm array task), so a crash in
// one item (a plugin, a bad file) cannot take the others down, and killing the batch leaves
// records a second run can read. A worker's progress comes back as lines on its standard output
// (`WorkerLine`); its standard error goes to the item's log in the state folder.

/// The lines a worker prints on standard output for the process that started it.
public enum WorkerLine {
    /// The prefix of every worker line (other output is ignored).
    public static let prefix = "facet-batch-worker"

    /// `facet-batch-worker phase DONE TOTAL NAME` (TOTAL `-` when unknown; NAME may have spaces).
    public static func phase(_ name: String, framesDone: Int, total: Int?) -> String {
        "\(prefix) phase \(framesDone) \(total.map(String.init) ?? "-") \(name)"
    }

    /// `facet-batch-worker attempt N OF`.
    public static func attempt(_ number: Int, of count: Int) -> String { "\(prefix) attempt \(number) \(count)" }

    /// What a line says, nil for a line that is not a worker line.
    public static func parse(_ line: Substring) -> WorkerProgress? {
        let words = line.split(separator: " ")
        guard words.count >= 4, words[0] == prefix else { return nil }
        switch words[1] {
        case "phase" where words.count >= 5:
            guard let done = Int(words[2]) else { return nil }
            return .phase(words[4...].joined(separator: " "), framesDone: done, total: Int(words[3]))
        case "attempt":
            guard let number = Int(words[2]), let count = Int(words[3]) else { return nil }
            return .attempt(number, of: count)
        default:
            return nil
        }
    }
}

/// What a worker reported.
public enum WorkerProgress: Sendable, Equatable {
    /// A phase of the item's run and its frames.
    case phase(String, framesDone: Int, total: Int?)
    /// An attempt started.
    case attempt(Int, of: Int)
}

/// One worker process to run: a unit of a batch (`--task N`, maybe of a later step) or a whole
/// step (`--stage merge`).
public struct WorkerJob: Sendable {
    /// What the worker does, for progress lines: `item 3`, `item 3 segment 2/4 (render)`, `merge`.
    public var title: String
    /// The input the worker reads (for progress lines).
    public var inputName: String
    /// The arguments after `batch JOBFILE`.
    public var arguments: [String]
    /// Where its standard error goes.
    public var log: URL
    /// How many items of the batch are finished (made, or failed) when it ends: 1 for a whole
    /// item, 0 for a segment's step, every segmented item for the join.
    public var itemsFinished: Int

    /// A worker job.
    public init(title: String, inputName: String, arguments: [String], log: URL, itemsFinished: Int) {
        self.title = title
        self.inputName = inputName
        self.arguments = arguments
        self.log = log
        self.itemsFinished = itemsFinished
    }
}

/// Hears the local scheduler (the CLI draws one line per worker and an overall bar from it).
public protocol BatchSchedulerObserver: AnyObject {
    /// Worker `slot` (from 0) started `job`.
    func workerStarted(slot: Int, job: WorkerJob)
    /// Worker `slot` reported progress.
    func workerProgressed(slot: Int, job: WorkerJob, progress: WorkerProgress)
    /// Worker `slot` finished `job`; `status` is its exit status (nil when a signal killed it).
    func workerFinished(slot: Int, job: WorkerJob, status: Int32?)
}

/// Runs the items of a batch in child processes, `jobs` at a time.
public final class LocalBatchScheduler: @unchecked Sendable {
    // Shared with the processes' handlers: every field below `lock` is only touched under it.
    private let lock = NSCondition()
    private var running: [Int: (process: Process, job: WorkerJob)] = [:]
    private var finished: [(slot: Int, job: WorkerJob, status: Int32?)] = []

    /// The job, its state and the executable that runs workers.
    public let job: BatchJob
    public let state: BatchState
    public let executable: URL
    /// Workers at once.
    public let jobs: Int
    /// Arguments every worker gets after its own (e.g. `--retries 2`, `--overwrite`).
    public var workerArguments: [String] = []
    /// Hears starts, progress and ends.
    public weak var observer: (any BatchSchedulerObserver)?

    /// A scheduler of `jobs` workers running `executable batch JOBFILE ARGUMENTS --worker`.
    public init(job: BatchJob, state: BatchState, executable: URL, jobs: Int) {
        self.job = job
        self.state = state
        self.executable = executable
        self.jobs = max(1, jobs)
    }

    /// Runs `jobs` and returns once every worker has ended, or, after `cancellation`, once the
    /// workers running were asked to stop (SIGTERM: they remove their partial outputs) and ended.
    /// How each ended is in the state's records (and told to the observer).
    public func run(_ work: [WorkerJob], cancellation: CancellationFlag) {
        var queue = work
        var stopping = false
        lock.lock()
        defer { lock.unlock() }
        while true {
            if cancellation.isCancelled && !stopping {
                stopping = true
                for (_, worker) in running where worker.process.isRunning { kill(worker.process.processIdentifier, SIGTERM) }
            }
            while !stopping, running.count < jobs, !queue.isEmpty {
                let job = queue.removeFirst()
                let slot = (0..<jobs).first { running[$0] == nil } ?? 0
                do {
                    let process = try start(job, slot: slot)
                    running[slot] = (process, job)
                    lock.unlock()
                    observer?.workerStarted(slot: slot, job: job)
                    lock.lock()
                } catch {
                    // Could not start (no executable, no log file): told as a worker that died at once.
                    lock.unlock()
                    observer?.workerFinished(slot: slot, job: job, status: nil)
                    lock.lock()
                }
            }
            while let end = finished.popLast() {
                running[end.slot] = nil
                lock.unlock()
                observer?.workerFinished(slot: end.slot, job: end.job, status: end.status)
                lock.lock()
            }
            if running.isEmpty && (queue.isEmpty || stopping) { break }
            _ = lock.wait(until: Date().addingTimeInterval(0.2))
        }
    }

    private func start(_ work: WorkerJob, slot: Int) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["batch", job.file.path] + work.arguments + ["--worker"] + workerArguments
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: work.log.path, contents: nil)
        let log = try FileHandle(forWritingTo: work.log)
        defer { try? log.close() }  // the child has its own copy once started
        process.standardError = log
        let buffer = LineBuffer()
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            for line in buffer.lines(appending: data) {
                if let progress = WorkerLine.parse(Substring(line)) {
                    self?.observer?.workerProgressed(slot: slot, job: work, progress: progress)
                }
            }
        }
        process.terminationHandler = { [weak self] process in
            guard let self else { return }
            let status: Int32? = process.terminationReason == .exit ? process.terminationStatus : nil
            self.lock.lock()
            self.finished.append((slot, work, status))
            self.lock.signal()
            self.lock.unlock()
        }
        try process.run()
        return process
    }
}

/// The bytes of a pipe cut into lines (one reader: a file handle's readability handler).
private final class LineBuffer: @unchecked Sendable {
    // Touched only by the one handler of one pipe, which Foundation calls one at a time.
    private var pending = Data()

    /// The complete lines now available, after `data`.
    func lines(appending data: Data) -> [String] {
        pending.append(data)
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}
