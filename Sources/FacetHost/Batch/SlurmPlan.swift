import Foundation

// A batch planned for Slurm: one array task per item still to do, each running
// `facet batch JOBS.yaml --task N` (the code path of a local worker), and a summary job that
// runs after every task succeeded (`afterok`) and prints the batch's table. The scripts are
// plain sbatch files written into the state folder (or `--emit-slurm DIR`), so what was submitted
// can be read, and submitted again by hand.

/// The sbatch scripts for the items of a batch that are not done.
public struct SlurmPlan: Sendable {
    /// The job file the tasks run.
    public var jobFile: URL
    /// The `facet` executable the nodes run (a path on the shared filesystem).
    public var facet: URL
    /// The units of the first step's array (whole items and segment analyses not done; without
    /// segmented items, unit N is item N).
    public var items: [Int]
    /// The render units of the third step's array (segments not rendered); with segmented items
    /// a merge job runs between the arrays, and the summary job joins them first.
    public var renders: [Int] = []
    /// Whether the batch has segmented items (and so the merge, render and join steps).
    public var hasSegments = false
    /// Resources and extra options.
    public var settings: SlurmSettings
    /// Where the tasks' output goes (`slurm-%A_%a.out`).
    public var logDirectory: URL
    /// The name the jobs carry in `squeue` (`facet-NAME`).
    public var jobName: String

    /// A plan for `items` of `job`.
    public init(job: BatchJob, items: [Int], facet: URL, settings: SlurmSettings, logDirectory: URL) {
        self.jobFile = job.file
        self.facet = facet
        self.items = items
        self.settings = settings
        self.logDirectory = logDirectory
        self.jobName =
            "facet-"
            + job.file.deletingPathExtension().lastPathComponent
            .map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
            .reduce(into: "") { $0.append($1) }
    }

    /// The array's index list in Slurm's syntax, ranges folded: `1-3,5,7-8%2`.
    public var arraySpecification: String { Self.arraySpecification(items, limit: settings.maximumParallel) }

    /// `numbers` in Slurm's array syntax with the `%` limit.
    static func arraySpecification(_ numbers: [Int], limit: Int?) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = numbers.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",") + (limit.map { "%\($0)" } ?? "")
    }

    /// The first array job's script.
    public var itemsScript: String { arrayScript(units: items, stage: nil) }

    /// The render array's script (segmented items).
    public var renderScript: String { arrayScript(units: renders, stage: "render") }

    /// The merge job's script (segmented items): every segmented item's analyses joined.
    public var mergeScript: String {
        var lines = header(name: jobName + "-merge", output: logDirectory.appendingPathComponent("slurm-%j-merge.out").path)
        lines.append("#SBATCH --cpus-per-task=\(settings.cpusPerTask ?? 2)")
        if let memory = settings.memory { lines.append("#SBATCH --mem=\(memory)") }
        lines += settings.extraOptions.map { "#SBATCH \($0)" }
        lines += ["", "exec \(Self.quoted(facet.path)) batch \(Self.quoted(jobFile.path)) --stage merge", ""]
        return lines.joined(separator: "\n")
    }

    private func arrayScript(units: [Int], stage: String?) -> String {
        let suffix = stage.map { "-" + $0 } ?? ""
        var lines = header(name: jobName + suffix, output: logDirectory.appendingPathComponent("slurm-%A_%a\(suffix).out").path)
        lines.append("#SBATCH --array=\(Self.arraySpecification(units, limit: settings.maximumParallel))")
        lines.append("#SBATCH --cpus-per-task=\(settings.cpusPerTask ?? 2)")
        if let memory = settings.memory { lines.append("#SBATCH --mem=\(memory)") }
        lines += settings.extraOptions.map { "#SBATCH \($0)" }
        lines += [
            "",
            "# One item of the batch: the same code path as a local worker of `facet batch`. An item",
            "# that is done already (its output exists, written with the same settings) returns at once.",
            "exec \(Self.quoted(facet.path)) batch \(Self.quoted(jobFile.path)) --task \"$SLURM_ARRAY_TASK_ID\""
                + (stage.map { " --stage \($0)" } ?? ""),
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// The summary job's script (submitted with `--dependency=afterok:ARRAY`).
    public var summaryScript: String {
        var lines = header(name: jobName + "-summary", output: logDirectory.appendingPathComponent("slurm-%j-summary.out").path)
        lines.append("#SBATCH --cpus-per-task=1")
        lines += settings.extraOptions.map { "#SBATCH \($0)" }
        let facetCall = "\(Self.quoted(facet.path)) batch \(Self.quoted(jobFile.path))"
        lines += ["", "# Runs when every array task succeeded: the batch's table, and a failure status if any", "# item is not done."]
        if hasSegments {
            lines += [
                "# First the segmented items' segments are joined into their outputs (stream copy).",
                "\(facetCall) --stage join",
                "joined=$?",
                "\(facetCall) --summary || exit 1",
                "exit $joined",
                "",
            ]
        } else {
            lines += ["exec \(facetCall) --summary", ""]
        }
        return lines.joined(separator: "\n")
    }

    /// The scripts in the order they are submitted, each after the one before it (`afterok`).
    func chain(in directory: URL) -> [(name: String, url: URL, text: String)] {
        var scripts: [(String, URL, String)] = []
        if !items.isEmpty { scripts.append(("items", directory.appendingPathComponent("items.sbatch"), itemsScript)) }
        if hasSegments {
            scripts.append(("merge", directory.appendingPathComponent("merge.sbatch"), mergeScript))
            if !renders.isEmpty { scripts.append(("render", directory.appendingPathComponent("render.sbatch"), renderScript)) }
        }
        scripts.append(("summary", directory.appendingPathComponent("summary.sbatch"), summaryScript))
        return scripts
    }

    /// A script that submits the chain, the way `facet batch --slurm` does (for `--emit-slurm`).
    public func submitScript(_ scripts: [URL]) -> String {
        var lines = [
            "#!/bin/sh", "# Submits the batch \(jobFile.lastPathComponent): each job after the one before it succeeded.", "set -e",
            "previous=",
        ]
        for script in scripts {
            lines += [
                "if [ -n \"$previous\" ]; then dependency=\"--dependency=afterok:$previous --kill-on-invalid-dep=yes\"; else dependency=; fi",
                "previous=$(sbatch --parsable $dependency \(Self.quoted(script.path)))",
                "previous=${previous%%;*}",
                "echo \"submitted \(script.lastPathComponent) as job $previous\"",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func header(name: String, output: String) -> [String] {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(name)", "#SBATCH --output=\(output)"]
        if let partition = settings.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time = settings.timeLimit { lines.append("#SBATCH --time=\(time)") }
        return lines
    }

    /// `text` in single quotes for sh.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Writes the scripts into `directory` (`items.sbatch`, with segments `merge.sbatch` and
    /// `render.sbatch`, `summary.sbatch`) and `submit.sh`, which submits them in order.
    @discardableResult
    public func write(to directory: URL) throws(HostError) -> (scripts: [URL], submit: URL) {
        let scripts = chain(in: directory)
        let submit = directory.appendingPathComponent("submit.sh")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
            for script in scripts { try BatchState.writeAtomically(Data(script.text.utf8), to: script.url) }
            try BatchState.writeAtomically(Data(submitScript(scripts.map(\.url)).utf8), to: submit)
            chmod(submit.path, 0o755)
        } catch {
            throw HostError(.io, "cannot write the Slurm scripts into \(directory.path); expected a writable folder", cause: error)
        }
        return (scripts.map(\.url), submit)
    }

    /// The job ids `submit` got from Slurm, by script name (`items`, `merge`, `render`, `summary`).
    public struct Submission: Sendable, Equatable {
        /// Each submitted job's script name and id, in submission order.
        public var jobs: [SubmittedJob]

        /// The id of the job of script `name`.
        public func id(_ name: String) -> String? { jobs.first { $0.name == name }?.id }
    }

    /// One submitted job.
    public struct SubmittedJob: Sendable, Equatable, Codable {
        /// The script's name: `items`, `merge`, `render` or `summary`.
        public var name: String
        /// Slurm's job id.
        public var id: String
    }

    /// Writes the scripts into `directory` and submits them with `sbatch` (found on `PATH`), each
    /// depending on the one before it (`afterok`; cancelled by Slurm when that one failed).
    /// Errors name the command and what it printed; jobs submitted before a later one was
    /// refused are cancelled with `scancel`, so nothing is left half-submitted.
    public func submit(writingTo directory: URL, sbatch: String = "sbatch") throws(HostError) -> Submission {
        let scripts = chain(in: directory)
        try write(to: directory)
        var jobs: [SubmittedJob] = []
        for script in scripts {
            var arguments = ["--parsable"]
            if let previous = jobs.last { arguments += ["--dependency=afterok:\(previous.id)", "--kill-on-invalid-dep=yes"] }
            do {
                jobs.append(SubmittedJob(name: script.name, id: try Self.run(sbatch, arguments + [script.url.path])))
            } catch {
                if !jobs.isEmpty { _ = try? Self.run("scancel", jobs.map(\.id), expectsID: false) }
                throw error
            }
        }
        return Submission(jobs: jobs)
    }

    /// Runs `command` (a name on PATH or a path) and returns the job id it printed
    /// (`--parsable`: `ID` or `ID;CLUSTER`).
    static func run(_ command: String, _ arguments: [String], expectsID: Bool = true) throws(HostError) -> String {
        guard let executable = findExecutable(command) else {
            throw HostError(
                .scheduler,
                "\(command) is not on PATH; expected Slurm's client commands (Debian: slurm-client) on the machine that submits, or use --emit-slurm DIR to write the scripts without submitting"
            )
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw HostError(.scheduler, "cannot start \(executable.path)", cause: error)
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        let commandLine = ([command] + arguments).joined(separator: " ")
        guard process.terminationStatus == 0 else {
            throw HostError(
                .scheduler,
                "`\(commandLine)` failed (exit status \(process.terminationStatus)): \(complaint.isEmpty ? "it printed nothing" : complaint); expected a reachable Slurm controller (check `sinfo`)"
            )
        }
        guard expectsID else { return printed }
        let id = printed.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw HostError(.scheduler, "`\(commandLine)` printed \(DisplayText.quoted(printed)); expected a job id (sbatch --parsable)")
        }
        return id
    }

    /// `name` when it is a path to an executable, else its first match on PATH.
    static func findExecutable(_ name: String) -> URL? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
