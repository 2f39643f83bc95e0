import Foundation

/// One finding of `facet plugins check`: a check that passed, failed or deserves a look.
public struct PluginCheckLine: Codable, Sendable, Equatable, CustomStringConvertible {
    /// How a check came out.
    public enum Status: String, Codable, Sendable {
        /// The check holds.
        case pass = "PASS"
        /// The plugin breaks the contract: the check's exit status is non-zero.
        case fail = "FAIL"
        /// A matter of taste or of the machine (a missing unit, a slow call): reported, not failed.
        case warn = "WARN"
    }

    /// How the check came out.
    public var status: Status
    /// What was checked: `library`, `identity`, or an effect's id.
    public var subject: String
    /// What was found, and for a failure what was expected.
    public var message: String

    /// Creates a line.
    public init(_ status: Status, _ subject: String, _ message: String) {
        self.status = status
        self.subject = subject
        self.message = message
    }

    /// `FAIL com.example.gaze: defaults, one face: …`.
    public var description: String { "\(status.rawValue) \(subject): \(message)" }
}

/// Everything `facet plugins check` found about one plugin library.
public struct PluginCheckReport: Codable, Sendable, Equatable {
    /// The library file checked.
    public var library: String
    /// The plugin's id from its table, when it states one.
    public var pluginID: String?
    /// The plugin's version from its table, when it states one.
    public var pluginVersion: String?
    /// The findings, in the order they were checked.
    public var lines: [PluginCheckLine]

    /// Creates a report.
    public init(library: String, pluginID: String? = nil, pluginVersion: String? = nil, lines: [PluginCheckLine] = []) {
        self.library = library
        self.pluginID = pluginID
        self.pluginVersion = pluginVersion
        self.lines = lines
    }

    /// Whether no check failed (warnings allowed).
    public var passed: Bool { !lines.contains { $0.status == .fail } }

    /// The failures.
    public var failures: [PluginCheckLine] { lines.filter { $0.status == .fail } }
}

/// How `facet plugins check` runs each effect's scenarios.
public struct PluginCheckOptions: Sendable {
    /// The executable to run each effect in, as `EXECUTABLE plugins check-effect LIBRARY
    /// --index N` (the `facet` binary itself); nil runs the effects in this process, where a
    /// crashing effect takes the checker down with it.
    public var executable: URL?
    /// How long one effect's scenarios may take in total before its process is killed.
    public var timeoutSeconds: Double = 120

    /// Options that run every effect in a child process of `executable`.
    public init(executable: URL?, timeoutSeconds: Double = 120) {
        self.executable = executable
        self.timeoutSeconds = timeoutSeconds
    }

    /// The running executable (`/proc/self/exe`, else the resolved `argv[0]`), to run children of.
    public static var currentExecutable: URL {
        let proc = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if proc.path != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: proc.path) { return proc }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "facet").resolvingSymlinksInPath()
    }
}
