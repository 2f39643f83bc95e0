import FacetCompression
import Foundation

// What a batch has done, kept beside its job file so a second run (or a Slurm task on another
// node of a shared filesystem) knows it: `NAME.facet-batch/` next to `NAME.yaml`, with
// `batch.json` naming the job file it belongs to, one record per item in `items/` (each written
// whole to a temporary file and renamed, so tasks running at once never see half a record),
// the workers' logs in `logs/` and the cluster scripts in `slurm/`.

/// One item's record: what happened to it last, and with which settings.
public struct BatchItemRecord: Codable, Sendable, Equatable {
    /// Where the item is.
    public enum Status: String, Codable, Sendable {
        /// A worker started it and has not said how it ended (it may be running, or have been killed).
        case running
        /// Its output was written with the settings of `fingerprint`.
        case done
        /// Its last attempt failed (`error` says why).
        case failed
    }

    /// The item's number in the job file when it ran.
    public var number: Int
    /// The input's path.
    public var input: String
    /// The output's path (the record's key).
    public var output: String
    /// What happened last.
    public var status: Status
    /// `BatchItem.fingerprint` of the settings it ran with.
    public var fingerprint: String
    /// Attempts made, failed ones included, over every run since the settings last changed.
    public var attempts: Int
    /// Why the last attempt failed.
    public var error: String?
    /// Frames written (done items).
    public var frames: Int?
    /// Wall-clock seconds of the last attempt.
    public var wallSeconds: Double?
    /// CPU seconds (user + system) of the last attempt.
    public var cpuSeconds: Double?
    /// Size of the output written, in bytes (a done item whose output changed size is redone).
    public var outputBytes: Int64?
    /// The host and process that ran it last.
    public var host: String?
    public var processID: Int32?
    /// When the last attempt started and ended.
    public var startedAt: Date?
    public var finishedAt: Date?
}

/// The state folder of one job file.
public struct BatchState: Sendable {
    /// The folder, `NAME.facet-batch` beside `NAME.yaml`.
    public let directory: URL
    /// The job file it belongs to.
    public let jobFile: URL

    /// The folder's identity file.
    struct Identity: Codable, Equatable {
        var jobFile: String
        var format: Int
    }

    /// The state folder for `jobFile`: `NAME.facet-batch` in the job file's folder.
    public static func directory(for jobFile: URL) -> URL {
        let file = jobFile.standardizedFileURL
        return file.deletingLastPathComponent()
            .appendingPathComponent(file.deletingPathExtension().lastPathComponent + ".facet-batch", isDirectory: true)
    }

    /// Opens (creating when absent) the state of `jobFile`, in `directory` (default: beside it).
    /// A state folder made for another job file is refused: its records would describe other items.
    public static func open(for jobFile: URL, directory: URL? = nil) throws(HostError) -> BatchState {
        let file = jobFile.standardizedFileURL
        let folder = directory ?? Self.directory(for: file)
        let identityURL = folder.appendingPathComponent("batch.json")
        let manager = FileManager.default
        if let data = manager.contents(atPath: identityURL.path) {
            guard let identity = try? JSONDecoder().decode(Identity.self, from: data) else {
                throw HostError(
                    .batchFailed,
                    "\(identityURL.path) is not a batch state file; expected the batch.json facet batch writes (move the folder away to start afresh)"
                )
            }
            guard identity.jobFile == file.path else {
                throw HostError(
                    .batchFailed,
                    "the state folder \(folder.path) belongs to the job file \(identity.jobFile), not \(file.path); expected each job file to keep its own state (pass another --state folder, or move that one away)"
                )
            }
        } else {
            do {
                for name in ["items", "logs", "slurm"] {
                    try manager.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                try Self.writeAtomically(
                    try encoder.encode(Identity(jobFile: file.path, format: BatchJobLoader.currentFormat)), to: identityURL)
            } catch {
                throw HostError(
                    .io, "cannot create the batch state folder \(folder.path); expected a writable folder beside the job file", cause: error
                )
            }
        }
        return BatchState(directory: folder, jobFile: file)
    }

    /// The record file of the item writing `output`.
    func recordURL(for output: URL) -> URL {
        var hash = SHA256()
        hash.update(output.standardizedFileURL.path)
        let key = String(hash.finalize().hexadecimal.prefix(16))
        return directory.appendingPathComponent("items").appendingPathComponent(
            "\(output.deletingPathExtension().lastPathComponent)-\(key).json")
    }

    /// The log file of item `number`'s worker.
    public func logURL(for number: Int) -> URL {
        directory.appendingPathComponent("logs").appendingPathComponent("item-\(number).log")
    }

    /// The log file of a step's worker (`merge`, `join`) or of a segment's unit.
    public func logURL(named name: String) -> URL {
        directory.appendingPathComponent("logs").appendingPathComponent("\(name).log")
    }

    /// The folder the cluster scripts are written to.
    public var slurmDirectory: URL { directory.appendingPathComponent("slurm", isDirectory: true) }

    /// The last record of `item`, nil when it never ran.
    public func record(for item: BatchItem) -> BatchItemRecord? {
        guard let data = FileManager.default.contents(atPath: recordURL(for: item.output).path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(BatchItemRecord.self, from: data)
    }

    /// Writes `record` (whole, by rename).
    public func save(_ record: BatchItemRecord) throws(HostError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let url = recordURL(for: URL(fileURLWithPath: record.output))
        do {
            try Self.writeAtomically(try encoder.encode(record), to: url)
        } catch {
            throw HostError(.io, "cannot write the batch record \(url.path)", cause: error)
        }
    }

    /// Whether `item` is done: its record says so for its current settings, and its output is
    /// still the file that was written.
    public func isDone(_ item: BatchItem) -> Bool {
        guard let record = record(for: item), record.status == .done, record.fingerprint == item.fingerprint else { return false }
        guard let size = BatchItem.fileSize(item.output) else { return false }
        return record.outputBytes == nil || record.outputBytes == size
    }

    /// Writes `data` to a temporary file in `url`'s folder and renames it into place, so a reader
    /// (another task on another node) sees the old file or the new one, never half of one.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        try data.write(to: url, options: .atomic)
    }
}
