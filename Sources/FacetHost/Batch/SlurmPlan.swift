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
    /// The item numbers of the array (the items not done).
    public var items: [Int]
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
    public var arraySpecification: String {
        var parts: [String] = []
        var index = 0
        let sorted = items.sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        let limit = settings.maximumParallel.map { "%\($0)" } ?? ""
        return parts.joined(separator: ",") + limit
    }

    /// The array job's script.
    public var itemsScript: String {
        var lines = header(name: jobName, output: logDirectory.appendingPathComponent("slurm-%A_%a.out").path)
        lines.append("#SBATCH --array=\(arraySpecification)")
        lines.append("#SBATCH --cpus-per-task=\(settings.cpusPerTask ?? 2)")
        if let memory = settings.memory { lines.append("#SBATCH --mem=\(memory)") }
        lines += settings.extraOptions.map { "#SBATCH \($0)" }
        lines += [
            "",
            "# One item of the batch: the same code path as a local worker of `facet batch`. An item",
            "# that is done already (its output exists, written with the same settings) returns at once.",
            "exec \(Self.quoted(facet.path)) batch \(Self.quoted(jobFile.path)) --task \"$SLURM_ARRAY_TASK_ID\"",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// The summary job's script (submitted with `--dependency=afterok:ARRAY`).
    public var summaryScript: String {
        var lines = header(name: jobName + "-summary", output: logDirectory.appendingPathComponent("slurm-%j-summary.out").path)
        lines.append("#SBATCH --cpus-per-task=1")
        lines += settings.extraOptions.map { "#SBATCH \($0)" }
        lines += [
            "",
            "# Runs when every array task succeeded: the batch's table, and a failure status if any",
            "# item is not done.",
            "exec \(Self.quoted(facet.path)) batch \(Self.quoted(jobFile.path)) --summary",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// A script that submits both, the way `facet batch --slurm` does (for `--emit-slurm`).
    public func submitScript(itemsScript: URL, summaryScript: URL) -> String {
        """
        #!/bin/sh
        # Submits the batch \(jobFile.lastPathComponent): the array of items, then the summary after it.
        set -e
        array=$(sbatch --parsable \(Self.quoted(itemsScript.path)))
        array=${array%%;*}
        sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \(Self.quoted(summaryScript.path))
        echo "submitted the array job $array"

        """
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

    /// Writes the scripts into `directory`: `items.sbatch`, `summary.sbatch` and `submit.sh`.
    @discardableResult
    public func write(to directory: URL) throws(HostError) -> (items: URL, summary: URL, submit: URL) {
        let items = directory.appendingPathComponent("items.sbatch")
        let summary = directory.appendingPathComponent("summary.sbatch")
        let submit = directory.appendingPathComponent("submit.sh")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
            try BatchState.writeAtomically(Data(itemsScript.utf8), to: items)
            try BatchState.writeAtomically(Data(summaryScript.utf8), to: summary)
            try BatchState.writeAtomically(Data(submitScript(itemsScript: items, summaryScript: summary).utf8), to: submit)
            chmod(submit.path, 0o755)
        } catch {
            throw HostError(.io, "cannot write the Slurm scripts into \(directory.path); expected a writable folder", cause: error)
        }
        return (items, summary, submit)
    }

    /// The job ids `submit` got from Slurm.
    public struct Submission: Sendable, Equatable {
        /// The array job's id.
        public var arrayJob: String
        /// The summary job's id.
        public var summaryJob: String
    }

    /// Writes the scripts into `directory` and submits them with `sbatch` (found on `PATH`):
    /// the array, then the summary depending on it. Errors name the command and what it printed.
    public func submit(writingTo directory: URL, sbatch: String = "sbatch") throws(HostError) -> Submission {
        let scripts = try write(to: directory)
        let arrayJob = try Self.run(sbatch, ["--parsable", scripts.items.path])
        let summaryJob = try Self.run(
            sbatch, ["--parsable", "--dependency=afterok:\(arrayJob)", "--kill-on-invalid-dep=yes", scripts.summary.path])
        return Submission(arrayJob: arrayJob, summaryJob: summaryJob)
    }

    /// Runs `command` (a name on PATH or a path) and returns the job id it printed
    /// (`--parsable`: `ID` or `ID;CLUSTER`).
    static func run(_ command: String, _ arguments: [String]) throws(HostError) -> String {
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
