import ArgumentParser
import FacetBenchmarkSupport
import FacetHost
import Foundation

/// `facet batch`: many items of a job file, on this machine's cores or as a Slurm job array.
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the items of a job file: locally with --jobs workers, or on Slurm (see Docs/Batch.md).",
        discussion: """
            The job file lists items (an input or a glob of inputs, an output or an output \
            pattern such as out/{stem}-smile.mp4, and the options `facet apply` takes) with \
            defaults at its top. Every error of the file is listed before anything runs.

            The batch keeps its state in NAME.facet-batch/ beside NAME.yaml: running it again \
            skips the items whose output exists and was made with the same settings, and redoes \
            the ones that failed or were interrupted. Exit status 0 when every item's output is \
            there, 1 otherwise.

            Examples:
              facet batch talks.yaml --jobs 2
              facet batch talks.yaml --summary --json
              facet batch talks.yaml --slurm --partition gpu --time 1:00:00 --max-parallel 8
              facet batch talks.yaml --emit-slurm slurm-scripts/
              facet batch talks.yaml --task 3        # one item, as a Slurm array task runs it
            """)

    @Argument(help: "The job file (YAML).", completion: .file(extensions: ["yaml", "yml"]))
    var jobFile: String

    @Option(name: .shortAndLong, help: "Workers at once on this machine (each a facet process).")
    var jobs: Int = 1

    @Option(name: .long, help: "Try a failed item again this many times (default: the job file's retries, else 0).")
    var retries: Int?

    @Flag(name: [.customShort("y"), .long], help: "Replace outputs that exist but that this batch did not write.")
    var overwrite = false

    @Option(
        name: .long,
        help: "Run only unit N (from 1) of a step, as a Slurm array task does: item N when no item is segmented; done units return at once."
    )
    var task: Int?

    @Option(
        name: .long,
        help:
            "With --task N: the unit of this step (items: a whole item or a segment's analysis; render: a segment's render). Alone: merge or join the segmented items."
    )
    var stage: BatchPlan.Step?

    @Flag(
        name: .long, help: ArgumentHelp("Print progress as worker lines on standard output (for facet batch itself).", visibility: .private)
    )
    var worker = false

    @Flag(name: .long, help: "Print the table of every item from the state, run nothing.")
    var summary = false

    @Flag(name: .long, help: "Submit the items not done to Slurm as a job array, and a summary job after it.")
    var slurm = false

    @Option(name: .customLong("emit-slurm"), help: "Write the Slurm scripts into DIR without submitting.", completion: .directory)
    var emitSlurm: String?

    @Option(
        name: .customLong("emit-kubernetes"), help: "Write the same plan as a Kubernetes Indexed Job manifest to FILE (not run).",
        completion: .file())
    var emitKubernetes: String?

    @Option(name: .long, help: "Slurm partition (overrides the job file's slurm: partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm time limit per task, e.g. 30 or 1:30:00.")
    var time: String?

    @Option(name: .long, help: "Slurm memory per task, e.g. 4G.")
    var mem: String?

    @Option(name: .customLong("cpus-per-task"), help: "Slurm CPUs per task (default 2).")
    var cpusPerTask: Int?

    @Option(name: .customLong("max-parallel"), help: "At most this many Slurm array tasks at once.")
    var maxParallel: Int?

    @Option(
        name: .customLong("sbatch-option"),
        help: ArgumentHelp("Another #SBATCH line, e.g. --account=lab (repeatable).", valueName: "option"))
    var sbatchOptions: [String] = []

    @Flag(name: .long, help: "Print the batch's report as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; expected 1 … 64") }
        if let retries, !(0...10).contains(retries) { throw ValidationError("--retries \(retries) is out of range; expected 0 … 10") }
        if let task, task < 1 { throw ValidationError("--task \(task) is out of range; expected an item number from 1") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task \(cpusPerTask) is out of range; expected 1 or more") }
        if let maxParallel, maxParallel < 1 { throw ValidationError("--max-parallel \(maxParallel) is out of range; expected 1 or more") }
        let modes = [task != nil, summary, slurm, emitSlurm != nil].filter { $0 }.count
        guard modes <= 1 else {
            throw ValidationError("--task, --summary, --slurm and --emit-slurm exclude each other; expected at most one")
        }
        for option in sbatchOptions where !option.hasPrefix("-") || option.contains("\n") {
            throw ValidationError("--sbatch-option \(option) is not an sbatch option; expected one line such as --account=lab")
        }
    }

    func run() throws {
        do throws(HostError) {
            let url = URL(fileURLWithPath: jobFile)
            let job = try EffectCatalog.resolving(quiet: quiet || worker) { registry throws(HostError) in
                try BatchJobLoader.load(contentsOf: url, registry: registry)
            }
            let state = try BatchState.open(for: job.file)
            if let task {
                try runTask(task, step: stage ?? .items, job: job, state: state)
            } else if let stage {
                try runStep(stage, job: job, state: state)
            } else if summary {
                try finish(BatchReport.make(job: job, state: state))
            } else if slurm || emitSlurm != nil {
                try plan(job, state: state)
            } else if let emitKubernetes {
                try writeKubernetes(job, to: URL(fileURLWithPath: emitKubernetes))
            } else {
                try runLocally(job, state: state)
            }
        } catch {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    // MARK: - One item

    private func runner(_ job: BatchJob, state: BatchState) -> BatchItemRunner {
        var runner = BatchItemRunner(state: state, retries: retries ?? job.retries)
        runner.overwrite = overwrite
        runner.observer = TaskObserver(workerLines: worker, quiet: quiet)
        SignalGuard.watch(runner.cancellation)
        return runner
    }

    private func runTask(_ number: Int, step: BatchPlan.Step, job: BatchJob, state: BatchState) throws(HostError) {
        let plan = BatchPlan(job: job, state: state)
        let units = plan.units(step)
        guard units.indices.contains(number - 1) else {
            throw HostError(
                .invalidArguments,
                "--task \(number): step \(step.rawValue) of \(job.file.lastPathComponent) has \(units.count) unit\(units.count == 1 ? "" : "s"); expected 1 … \(units.count)"
            )
        }
        let unit = units[number - 1]
        let outcome = try runner(job, state: state).run(unit, of: plan)
        guard !quiet, !worker else { return }
        let title = unit.title(of: plan)
        switch outcome {
        case .alreadyDone: Terminal.error("facet: \(title) is done already; nothing to do")
        case .done(let frames, _):
            Terminal.error("facet: \(title): \(unit.kind == .whole ? "wrote \(unit.item.output.path)" : "done") (\(frames) frames)")
        }
    }

    /// `--stage merge` or `--stage join`: the step for every segmented item.
    private func runStep(_ step: BatchPlan.Step, job: BatchJob, state: BatchState) throws(HostError) {
        let plan = BatchPlan(job: job, state: state)
        let runner = runner(job, state: state)
        let failures = step == .merge ? runner.merge(plan) : runner.join(plan)
        for (_, error) in failures where !quiet { Terminal.error("facet: \(error)") }
        if let (item, error) = failures.first {
            throw HostError(
                .batchFailed,
                "\(step.rawValue) failed for \(failures.count) item\(failures.count == 1 ? "" : "s") (first: item \(item.number))",
                cause: error)
        }
        if !quiet, !worker {
            Terminal.error(
                "facet: \(step.rawValue): \(plan.segmented.count) segmented item\(plan.segmented.count == 1 ? "" : "s") up to date")
        }
    }

    // MARK: - Locally

    private func runLocally(_ job: BatchJob, state: BatchState) throws(HostError) {
        let started = Date()
        let plan = BatchPlan(job: job, state: state)
        let pendingItems = job.items.filter { !state.isDone($0) }
        let firstStep = plan.itemUnits.filter { !plan.isDone($0, state: state) }
        let workers = min(jobs, max(1, max(firstStep.count, plan.renderUnits.count)))
        let display = BatchDisplay(
            total: job.items.count, alreadyDone: job.items.count - pendingItems.count, jobs: workers,
            drawing: Terminal.stderrIsTerminal && !quiet && !json, events: !quiet && !json && !Terminal.stderrIsTerminal)
        if !quiet, !json {
            let skipped = job.items.count - pendingItems.count
            let segmented = plan.segmented.values.filter { !state.isDone($0.item) }
            let segments = segmented.isEmpty ? "" : " (\(segmented.count) in \(segmented.reduce(0) { $0 + $1.plan.count }) segments)"
            Terminal.error(
                "facet: \(job.items.count) item\(job.items.count == 1 ? "" : "s") in \(job.file.lastPathComponent)"
                    + (skipped > 0 ? ", \(skipped) done already" : "")
                    + "; \(pendingItems.count) to run\(segments) with \(workers) worker\(workers == 1 ? "" : "s")")
        }
        let scheduler = LocalBatchScheduler(job: job, state: state, executable: PluginCheckOptions.currentExecutable, jobs: workers)
        var arguments: [String] = []
        if let retries { arguments += ["--retries", String(retries)] }
        if overwrite { arguments.append("--overwrite") }
        scheduler.workerArguments = arguments
        scheduler.observer = display
        let cancellation = CancellationFlag()
        SignalGuard.watch(cancellation)
        let startCPU = CPUTime.ofThisProcess + CPUTime.ofEndedChildren
        func unitJob(_ unit: BatchPlan.Unit, step: BatchPlan.Step) -> WorkerJob {
            let log: URL =
                switch unit.kind {
                case .whole: state.logURL(for: unit.item.number)
                case .analyse(let segment): state.logURL(named: "item-\(unit.item.number)-segment-\(segment + 1)-analysis")
                case .render(let segment): state.logURL(named: "item-\(unit.item.number)-segment-\(segment + 1)-render")
                }
            return WorkerJob(
                title: unit.title(of: plan), inputName: unit.item.input.lastPathComponent,
                arguments: ["--task", String(unit.number)] + (step == .items ? [] : ["--stage", step.rawValue]), log: log,
                itemsFinished: unit.kind == .whole ? 1 : 0)
        }
        func stepJob(_ step: BatchPlan.Step) -> WorkerJob {
            WorkerJob(
                title: step.rawValue, inputName: "segmented items", arguments: ["--stage", step.rawValue],
                log: state.logURL(named: step.rawValue), itemsFinished: step == .join ? plan.segmentedPending(state: state).count : 0)
        }
        scheduler.run(firstStep.map { unitJob($0, step: .items) }, cancellation: cancellation)
        if plan.hasSegments, !cancellation.isCancelled {
            scheduler.run([stepJob(.merge)], cancellation: cancellation)
            let renders = plan.renderUnits.filter { !plan.isDone($0, state: state) && plan.segmented[$0.item.number]?.isMerged == true }
            if !cancellation.isCancelled { scheduler.run(renders.map { unitJob($0, step: .render) }, cancellation: cancellation) }
            if !cancellation.isCancelled { scheduler.run([stepJob(.join)], cancellation: cancellation) }
        }
        display.finish()
        var report = BatchReport.make(job: job, state: state, ranNow: Set(pendingItems.map(\.number)))
        report.wallSeconds = Date().timeIntervalSince(started)
        report.cpuSeconds = CPUTime.ofThisProcess + CPUTime.ofEndedChildren - startCPU
        report.jobs = jobs
        if cancellation.isCancelled {
            if !quiet { printTable(report) }
            throw HostError(.cancelled, "the batch was stopped; run it again to finish the items not done")
        }
        try finish(report)
    }

    // MARK: - Slurm

    private func plan(_ job: BatchJob, state: BatchState) throws(HostError) {
        var flags = SlurmSettings()
        flags.partition = partition
        flags.timeLimit = time
        flags.memory = mem
        flags.cpusPerTask = cpusPerTask
        flags.maximumParallel = maxParallel
        flags.extraOptions = sbatchOptions
        let batch = BatchPlan(job: job, state: state)
        let emitting = emitSlurm.map { URL(fileURLWithPath: $0, isDirectory: true) }
        // Emitted scripts list every unit (done ones return at once), so they can be kept and
        // submitted later; a submission asks only for what is not done.
        let items = batch.itemUnits.filter { emitting != nil || !batch.isDone($0, state: state) }.map(\.number)
        let renders = batch.renderUnits.filter { emitting != nil || !batch.isDone($0, state: state) }.map(\.number)
        let pendingItems = job.items.filter { !state.isDone($0) }
        var plan = SlurmPlan(
            job: job, items: items, facet: PluginCheckOptions.currentExecutable, settings: job.slurm.overridden(by: flags),
            logDirectory: state.directory.appendingPathComponent("logs"))
        plan.renders = renders
        plan.hasSegments = batch.hasSegments && (emitting != nil || !batch.segmentedPending(state: state).isEmpty)
        if let emitting {
            let written = try plan.write(to: emitting)
            if !quiet {
                Terminal.error(
                    "facet: wrote \(written.scripts.map(\.lastPathComponent).joined(separator: ", ")) (\(items.count) array task\(items.count == 1 ? "" : "s")"
                        + (renders.isEmpty ? "" : ", then \(renders.count) render tasks") + ") and submit.sh into \(emitting.path)")
                Terminal.error("facet: submit with: sh \(written.submit.path)")
            }
            return
        }
        guard !pendingItems.isEmpty else {
            if !quiet { Terminal.error("facet: all \(job.items.count) items of \(job.file.lastPathComponent) are done; nothing submitted") }
            if json { try? Terminal.printJSON(SlurmSubmissionReport(jobs: [], items: [])) }
            return
        }
        let submission = try plan.submit(writingTo: state.slurmDirectory)
        if json {
            try? Terminal.printJSON(SlurmSubmissionReport(jobs: submission.jobs, items: pendingItems.map(\.number)))
        } else if !quiet {
            let jobs = submission.jobs.map { "\($0.name) \($0.id)" }.joined(separator: ", then ")
            Terminal.error(
                "facet: submitted \(pendingItems.count) item\(pendingItems.count == 1 ? "" : "s") as the jobs \(jobs) (each after the one before it succeeded)"
            )
            Terminal.error(
                "facet: scripts in \(state.slurmDirectory.path); task output in \(state.directory.appendingPathComponent("logs").path)")
        }
    }

    private func writeKubernetes(_ job: BatchJob, to file: URL) throws(HostError) {
        var flags = SlurmSettings()
        flags.cpusPerTask = cpusPerTask
        flags.memory = mem
        flags.maximumParallel = maxParallel
        if let segmented = job.items.first(where: { $0.settings.segments != nil }) {
            throw HostError(
                .invalidArguments,
                "item \(segmented.number) is segmented; the Kubernetes manifest runs whole items only (its four steps need a Job per step); expected a job file without segments: (or use --slurm)"
            )
        }
        let plan = KubernetesPlan(job: job, settings: job.slurm.overridden(by: flags))
        do {
            try Data(plan.manifest.utf8).write(to: file, options: .atomic)
        } catch {
            throw HostError(.io, "cannot write the manifest \(file.path); expected a writable path", cause: error)
        }
        if !quiet { Terminal.error("facet: wrote \(file.path): an Indexed Job of \(plan.itemCount) items, \(plan.parallelism) at once") }
    }

    /// What `--slurm --json` prints.
    struct SlurmSubmissionReport: Encodable {
        /// The jobs submitted, in order: `items` (an array), with segments `merge` and `render`
        /// (an array), and `summary`.
        var jobs: [SlurmPlan.SubmittedJob]
        /// The items not done when submitted.
        var items: [Int]
    }

    // MARK: - The end

    private func finish(_ report: BatchReport) throws(HostError) {
        if json {
            try? Terminal.printJSON(report)
        } else if !quiet {
            printTable(report)
        }
        guard report.succeeded else { throw BatchFailure.notEveryItemDone }
    }

    private func printTable(_ report: BatchReport) {
        let folder = URL(fileURLWithPath: report.jobFile).deletingLastPathComponent().path + "/"
        func relative(_ path: String) -> String { path.hasPrefix(folder) ? String(path.dropFirst(folder.count)) : path }
        var rows: [[String]] = [["#", "status", "frames", "wall s", "cpu s", "output", "note"]]
        for item in report.items {
            rows.append([
                String(item.number), item.status.rawValue, item.frames.map(String.init) ?? "",
                item.wallSeconds.map { String(format: "%.1f", $0) } ?? "", item.cpuSeconds.map { String(format: "%.1f", $0) } ?? "",
                relative(item.output),
                item.error.map { DisplayText.shortened($0, limit: 100) } ?? (item.attempts > 1 ? "\(item.attempts) attempts" : ""),
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            Terminal.error(
                zip(row, widths).enumerated().map { column, cell in
                    column == 0 || (2...4).contains(column)
                        ? String(repeating: " ", count: cell.1 - cell.0.count) + cell.0
                        : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let counts = report.counts
        var totals = BatchReport.Item.Status.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(
            separator: ", ")
        if let wall = report.wallSeconds, let cpu = report.cpuSeconds {
            totals +=
                String(format: "; %.1f s wall, %.1f s CPU", wall, cpu)
                + (report.jobs.map { " with \($0) worker\($0 == 1 ? "" : "s")" } ?? "")
        }
        Terminal.error("facet: \(totals)")
    }
}

/// The error of a batch that ran but did not make every output (the table says which).
enum BatchFailure {
    static var notEveryItemDone: HostError { HostError(.batchFailed, "not every item of the batch is done (see the table above)") }
}

/// A task's observer: worker lines for the local scheduler, or a few lines on standard error.
final class TaskObserver: BatchItemObserver {
    let workerLines: Bool
    let quiet: Bool
    private var lastPrinted = Date.distantPast

    init(workerLines: Bool, quiet: Bool) {
        self.workerLines = workerLines
        self.quiet = quiet
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func attemptStarted(_ item: BatchItem, attempt: Int, of attempts: Int) {
        if workerLines {
            say(WorkerLine.attempt(attempt, of: attempts))
        } else if !quiet {
            Terminal.error(
                "facet: item \(item.number): \(item.input.path) → \(item.output.path)"
                    + (attempt > 1 ? " (attempt \(attempt) of \(attempts))" : ""))
        }
    }

    func phase(_ name: String, framesDone: Int, total: Int?) {
        guard workerLines else { return }
        let now = Date()
        guard framesDone == 0 || now.timeIntervalSince(lastPrinted) >= 0.25 else { return }
        lastPrinted = now
        say(WorkerLine.phase(name, framesDone: framesDone, total: total))
    }

    func attemptFailed(_ item: BatchItem, error: HostError, willRetry: Bool) {
        if !quiet { Terminal.error("facet: item \(item.number) failed: \(error)" + (willRetry ? "; trying again" : "")) }
    }
}

/// Draws one line per worker and an overall bar on a terminal, or prints one line per event.
final class BatchDisplay: BatchSchedulerObserver, @unchecked Sendable {
    // Called from the scheduler's loop and the workers' output handlers: fields under `lock`.
    private let lock = NSLock()
    private var lines: [String]
    private var drawn = 0
    private var finishedCount: Int
    private var failedCount = 0
    private let total: Int
    private let drawing: Bool
    private let events: Bool
    private var lastDraw = Date.distantPast
    private let started = Date()

    init(total: Int, alreadyDone: Int, jobs: Int, drawing: Bool, events: Bool) {
        self.total = total
        self.finishedCount = alreadyDone
        self.lines = Array(repeating: "idle", count: jobs)
        self.drawing = drawing
        self.events = events
    }

    func workerStarted(slot: Int, job: WorkerJob) {
        update(slot, "\(job.title) \(job.inputName): starting", event: "worker \(slot + 1): \(job.title) \(job.inputName)")
    }

    func workerProgressed(slot: Int, job: WorkerJob, progress: WorkerProgress) {
        switch progress {
        case .attempt(let number, let count) where number > 1:
            update(
                slot, "\(job.title) \(job.inputName): attempt \(number) of \(count)", event: "\(job.title): attempt \(number) of \(count)")
        case .attempt:
            break
        case .phase(let name, let done, let total):
            var text = "\(job.title) \(job.inputName): \(name) "
            if let total, total > 0 {
                let filled = min(20, done * 20 / total)
                text += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] \(done)/\(total)"
            } else {
                text += "\(done) frames"
            }
            update(slot, text, event: nil)
        }
    }

    func workerFinished(slot: Int, job: WorkerJob, status: Int32?) {
        lock.lock()
        finishedCount += job.itemsFinished
        if status != 0 { failedCount += 1 }
        lock.unlock()
        let how = status == 0 ? "done" : status.map { "failed (exit status \($0); log in \(job.log.path))" } ?? "killed by a signal"
        update(slot, "idle", event: "\(job.title) \(job.inputName): \(how)")
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        guard drawing else { return }
        erase()
    }

    private func update(_ slot: Int, _ text: String, event: String?) {
        lock.lock(); defer { lock.unlock() }
        if slot < lines.count { lines[slot] = text }
        if events, let event { Terminal.error("facet: \(event)") }
        guard drawing else { return }
        let now = Date()
        guard event != nil || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        erase()
        var block = lines.enumerated().map { "worker \($0.offset + 1): \($0.element)" }
        let filled = total > 0 ? finishedCount * 30 / total : 30
        block.append(
            "overall [" + String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
                + "] \(finishedCount)/\(total) items"
                + (failedCount > 0 ? ", \(failedCount) failed" : "") + "  " + ProgressBar.clock(now.timeIntervalSince(started)))
        FileHandle.standardError.write(Data((block.map { Terminal.safe($0) + "\u{1B}[K" }.joined(separator: "\n") + "\n").utf8))
        drawn = block.count
    }

    private func erase() {
        guard drawn > 0 else { return }
        FileHandle.standardError.write(Data(("\u{1B}[\(drawn)A\r\u{1B}[J").utf8))
        drawn = 0
    }
}
