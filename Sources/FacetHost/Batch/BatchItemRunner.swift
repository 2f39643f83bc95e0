import FacetBenchmarkSupport
import FacetErrors
import FacetMedia
import Foundation

/// Runs one item of a batch: the one code path of a local worker, a Slurm array task and
/// `facet batch --task N` typed by hand.
///
/// Before it starts it removes what a killed earlier attempt left beside the output (the hidden
/// `.NAME.facet-partial-….EXT` file `facet apply` writes into), and records the item as running;
/// at the end it records the item as done (with its fingerprint, frames and times) or failed
/// (with the error). A failed attempt is tried again up to `retries` times.
public struct BatchItemRunner {
    /// The batch's state.
    public let state: BatchState
    /// How often a failed attempt is tried again.
    public var retries: Int
    /// Replace an output that exists but that this batch did not write.
    public var overwrite = false
    /// Hears the phases and frames of the run.
    public var observer: (any BatchItemObserver)?
    /// Stops the run between frames.
    public var cancellation = CancellationFlag()

    /// A runner recording into `state`.
    public init(state: BatchState, retries: Int) {
        self.state = state
        self.retries = retries
    }

    /// What running an item came to.
    public enum Outcome: Sendable, Equatable {
        /// It was done already with these settings; nothing ran.
        case alreadyDone
        /// It ran and wrote its output.
        case done(frames: Int, attempts: Int)
    }

    /// Runs `item` unless it is done; throws the last attempt's error when every attempt failed.
    public func run(_ item: BatchItem) throws(HostError) -> Outcome {
        if state.isDone(item) { return .alreadyDone }
        removeLeftovers(of: item.output)
        try refuseForeignOutput(item)
        let (frames, attempts) = try attempting(item, title: "item \(item.number)") { () throws(HostError) in
            try apply(item).frames
        }
        return .done(frames: frames, attempts: attempts)
    }

    /// Runs one unit of `plan`: a whole item, or a segment's analysis or render.
    public func run(_ unit: BatchPlan.Unit, of plan: BatchPlan) throws(HostError) -> Outcome {
        guard case let kind = unit.kind, kind != .whole, let segmented = plan.segmented[unit.item.number] else {
            // An item that asked for segments but could not be planned (a still image, a stream
            // without timestamps) says why rather than running whole; a missing input fails below.
            if unit.item.settings.segments != nil, FileManager.default.fileExists(atPath: unit.item.input.path) {
                do {
                    _ = try SegmentedItem(unit.item, state: state)
                } catch {
                    try record(unit.item, status: .failed, fingerprint: unit.item.fingerprint, attempts: 1, error: error)
                    throw error
                }
            }
            return try run(unit.item)
        }
        if plan.isDone(unit, state: state) { return .alreadyDone }
        try refuseForeignOutput(unit.item)
        let title = unit.title(of: plan)
        let observer = observer
        let cancellation = cancellation
        let (frames, attempts) = try attempting(unit.item, title: title, recordsRunning: false) { () throws(HostError) in
            switch kind {
            case .analyse(let segment):
                try segmented.analyse(segment, observer: observer, cancellation: cancellation)
                return segmented.plan.frames(segment).count
            case .render(let segment):
                removeLeftovers(of: segmented.renderURL(segment))
                return try segmented.render(segment, observer: observer, cancellation: cancellation).frames
            case .whole:
                return 0
            }
        }
        return .done(frames: frames, attempts: attempts)
    }

    /// Step 2 for every segmented item of `plan` not done: merges the analyses of an item whose
    /// segments are all analysed. Returns the items that could not be merged.
    public func merge(_ plan: BatchPlan) -> [(BatchItem, HostError)] {
        var failures: [(BatchItem, HostError)] = []
        for segmented in plan.segmentedPending(state: state) where !segmented.isMerged {
            do throws(HostError) {
                guard (0..<segmented.plan.count).allSatisfy(segmented.isAnalysed) else {
                    throw HostError(
                        .batchFailed, "item \(segmented.item.number): not every segment was analysed; expected step 1 to succeed first")
                }
                _ = try attempting(segmented.item, title: "item \(segmented.item.number) (merge)", recordsRunning: false) {
                    () throws(HostError) in
                    try segmented.merge()
                    return 0
                }
            } catch {
                failures.append((segmented.item, error))
            }
        }
        return failures
    }

    /// Step 4 for every segmented item of `plan` not done: joins an item whose segments are all
    /// rendered into its output, records it done and removes its segments' files. Returns the
    /// items that could not be joined.
    public func join(_ plan: BatchPlan) -> [(BatchItem, HostError)] {
        var failures: [(BatchItem, HostError)] = []
        for segmented in plan.segmentedPending(state: state) {
            let item = segmented.item
            do throws(HostError) {
                guard (0..<segmented.plan.count).allSatisfy(segmented.isRendered) else {
                    throw HostError(.batchFailed, "item \(item.number): not every segment was rendered; expected step 3 to succeed first")
                }
                removeLeftovers(of: item.output)
                try refuseForeignOutput(item)
                _ = try attempting(item, title: "item \(item.number) (join)") { () throws(HostError) in
                    try segmented.join().framesWritten
                }
                segmented.removeFiles()
            } catch {
                failures.append((item, error))
            }
        }
        return failures
    }

    /// Fails (and records) an item whose output exists without this batch having written it.
    private func refuseForeignOutput(_ item: BatchItem) throws(HostError) {
        guard FileManager.default.fileExists(atPath: item.output.path), state.record(for: item) == nil, !overwrite else { return }
        let error = HostError(
            .batchFailed,
            "item \(item.number): the output \(item.output.path) exists and was not written by this batch; expected a free output path (or pass --overwrite to replace it)"
        )
        try record(item, status: .failed, fingerprint: item.fingerprint, attempts: 1, error: error)
        throw error
    }

    /// Runs `body` up to `retries + 1` times, recording the item as running (unless
    /// `recordsRunning` is false: a segment's step, whose files are its record), then as done
    /// when `body` wrote the item's output, or failed with the last error. Returns the frames
    /// `body` reported and the attempts made.
    private func attempting(
        _ item: BatchItem, title: String, recordsRunning: Bool = true, _ body: () throws(HostError) -> Int
    ) throws(HostError) -> (frames: Int, attempts: Int) {
        let fingerprint = item.fingerprint
        let previous = state.record(for: item)
        var attempts = previous?.fingerprint == fingerprint ? previous?.attempts ?? 0 : 0
        var lastError: HostError?
        for attempt in 0...retries {
            if cancellation.isCancelled { break }
            attempts += 1
            observer?.attemptStarted(item, attempt: attempt + 1, of: retries + 1)
            let clock = ResourceClock()
            if recordsRunning { try record(item, status: .running, fingerprint: fingerprint, attempts: attempts, clock: nil) }
            do {
                let frames = try body()
                if recordsRunning {
                    var done = makeRecord(item, status: .done, fingerprint: fingerprint, attempts: attempts, clock: clock)
                    done.frames = frames
                    done.outputBytes = BatchItem.fileSize(item.output)
                    try state.save(done)
                }
                return (frames, attempts)
            } catch {
                lastError = error
                try? record(item, status: .failed, fingerprint: fingerprint, attempts: attempts, error: error, clock: clock)
                if error.code == .cancelled { throw error }
                observer?.attemptFailed(item, error: error, willRetry: attempt < retries)
            }
        }
        throw lastError ?? HostError(.cancelled, "\(title) was stopped before it ran")
    }

    private func apply(_ item: BatchItem) throws(HostError) -> ApplyReport {
        guard FileManager.default.fileExists(atPath: item.input.path) else {
            throw HostError(
                .fileNotFound, "item \(item.number): the input \(item.input.path) does not exist; expected a video or still image")
        }
        let observer = observer
        var composed = try PipelineFactory.make(
            item.pipelineOptions, for: item.chain,
            analysisProgress: { frames in observer?.phase("analysing", framesDone: frames, total: nil) },
            cancellation: cancellation)
        let progress = observer.map { PhaseProgress(observer: $0, phase: "rendering") }
        return try composed.pipeline.apply(item.request, progress: progress, cancellation: cancellation)
    }

    /// Removes the hidden partial files an interrupted `facet apply` of `output` left in its folder.
    func removeLeftovers(of output: URL) {
        let folder = output.deletingLastPathComponent()
        let prefix = ".\(output.deletingPathExtension().lastPathComponent).facet-partial-"
        let suffix = "." + output.pathExtension
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard !middle.isEmpty, middle.allSatisfy({ $0.isLetter || $0.isNumber }) else { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
    }

    private func record(
        _ item: BatchItem, status: BatchItemRecord.Status, fingerprint: String, attempts: Int, error: HostError? = nil,
        clock: ResourceClock? = nil
    ) throws(HostError) {
        var record = makeRecord(item, status: status, fingerprint: fingerprint, attempts: attempts, clock: clock)
        record.error = error.map { ErrorChain.describe($0) }
        try state.save(record)
    }

    private func makeRecord(
        _ item: BatchItem, status: BatchItemRecord.Status, fingerprint: String, attempts: Int, clock: ResourceClock?
    ) -> BatchItemRecord {
        let now = Date()
        return BatchItemRecord(
            number: item.number, input: item.input.path, output: item.output.path, status: status, fingerprint: fingerprint,
            attempts: attempts, error: nil, frames: nil, wallSeconds: clock?.wallSeconds, cpuSeconds: clock?.cpuSeconds,
            outputBytes: nil, host: ProcessInfo.processInfo.hostName, processID: getpid(),
            startedAt: clock?.started ?? now, finishedAt: status == .running ? nil : now)
    }
}

/// Hears what a `BatchItemRunner` is doing (a worker prints it for the batch's progress lines).
public protocol BatchItemObserver: AnyObject {
    /// An attempt starts (`attempt` counts from 1).
    func attemptStarted(_ item: BatchItem, attempt: Int, of attempts: Int)
    /// A phase ("analysing", "rendering") has done `framesDone` of `total` frames (nil: unknown).
    func phase(_ name: String, framesDone: Int, total: Int?)
    /// An attempt failed; another follows when `willRetry`.
    func attemptFailed(_ item: BatchItem, error: HostError, willRetry: Bool)
}

/// A pipeline progress observer that forwards to a batch observer under one phase name.
final class PhaseProgress: ProgressObserver {
    let observer: any BatchItemObserver
    let phase: String
    var total: Int?

    init(observer: any BatchItemObserver, phase: String) {
        self.observer = observer
        self.phase = phase
    }

    func started(totalFrames: Int?) {
        total = totalFrames
        observer.phase(phase, framesDone: 0, total: totalFrames)
    }

    func advanced(framesDone: Int) { observer.phase(phase, framesDone: framesDone, total: total) }

    func finished() {}
}

/// Wall-clock and CPU time of this process since it was made.
struct ResourceClock {
    let started = Date()
    let startCPU = CPUTime.ofThisProcess

    var wallSeconds: Double { Date().timeIntervalSince(started) }
    var cpuSeconds: Double { CPUTime.ofThisProcess - startCPU }
}
