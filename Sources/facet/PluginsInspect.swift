import ArgumentParser
import FacetHost
import FacetSDK
import Foundation

/// `facet plugins list`: every search directory in order, the libraries in it and their load errors.
struct PluginsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the plugin search directories, the libraries found and why any did not load.")

    @Flag(name: .long, help: "Print the directories, libraries and errors as JSON.")
    var json = false

    func run() throws {
        let path = PluginLoader.searchPath()
        let directories = PluginLoader.survey(path.directories)
        if json {
            try Terminal.printJSON(PluginListReport(problems: path.problems.map { "\($0)" }, directories: directories))
            return
        }
        for problem in path.problems { Terminal.line("warning: \(problem)") }
        Terminal.line("Plugin directories, searched in order:")
        for (number, directory) in directories.enumerated() {
            Terminal.line("\(number + 1). \(directory.url.path)\(directory.exists ? "" : "  (not present)")")
            for plugin in directory.plugins {
                let info = plugin.info
                let identity = [info.id ?? "(no id)", info.version ?? "(no version)"].joined(separator: " ")
                Terminal.line("   \(info.url.lastPathComponent)  \(identity)  ABI \(info.abiDescription)")
                let ids = plugin.factories.map(\.descriptor.id)
                Terminal.line("     effects: \(ids.isEmpty ? "none" : ids.joined(separator: ", "))")
            }
            for error in directory.errors { Terminal.line("   error: \(error)") }
            if directory.exists, directory.plugins.isEmpty, directory.errors.isEmpty { Terminal.line("   (no plugin libraries)") }
        }
    }
}

/// `facet plugins info PATH`: the identity a library's table states, then each effect's descriptor.
struct PluginsInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Describe one plugin library: its identity and each effect's parameters.")

    @Argument(help: "The plugin library (.so).")
    var path: String

    @Flag(name: .long, help: "Print the identity and the descriptors (in their wire format, Docs/PluginABI.md) as JSON.")
    var json = false

    func run() throws {
        let loaded: LoadedPlugin
        do {
            loaded = try PluginLoader.open(library: URL(fileURLWithPath: path))
        } catch {
            throw ExitCode(FacetCLI.report(error))
        }
        if json {
            try Terminal.printJSON(PluginLibraryReport(loaded))
            return
        }
        let info = loaded.info
        Terminal.line("library: \(info.url.path)")
        Terminal.line("plugin id: \(info.id ?? "(not stated)")")
        Terminal.line("version: \(info.version ?? "(not stated)")")
        Terminal.line("ABI: \(info.abiDescription)")
        Terminal.line("effects: \(info.effectCount)")
        for factory in loaded.factories {
            Terminal.line("")
            Terminal.line(EffectText.describe(factory))
        }
    }
}

/// `facet plugins check PATH`: the checker a plugin author runs in CI.
struct PluginsCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a plugin library against the plugin contract (exit status 1 on any failure).",
        discussion: """
            Loads the library, checks its ABI version and identity and every descriptor, then runs \
            each effect (with its defaults and with each parameter's extremes) on synthetic motion \
            in a child process, checking what the host checks after every effect, determinism and \
            timing. Prints one line per check: PASS, WARN or FAIL with the reason.
            """)

    @Argument(help: "The plugin library (.so).")
    var path: String

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(name: .long, help: "Seconds one effect's scenarios may take before its process is killed.")
    var timeout: Double = 120

    func validate() throws {
        guard timeout.isFinite, timeout > 0 else {
            throw ValidationError("--timeout must be a positive number of seconds; got \(timeout)")
        }
    }

    func run() throws {
        let options = PluginCheckOptions(executable: PluginCheckOptions.currentExecutable, timeoutSeconds: timeout)
        let report = PluginValidator.check(library: URL(fileURLWithPath: path), options: options)
        if json {
            try Terminal.printJSON(report)
        } else {
            for line in report.lines { Terminal.line(line.description) }
            let count = { (status: PluginCheckLine.Status) in report.lines.filter { $0.status == status }.count }
            Terminal.line(
                "\n\(report.passed ? "passed" : "FAILED"): \(count(.pass)) passed, \(count(.warn)) warnings, \(count(.fail)) failed")
        }
        if !report.passed { throw ExitCode(ExitStatus.failure) }
    }
}

/// `facet plugins check-effect LIBRARY --index N` (hidden): runs one effect's scenarios in this
/// process, the child `facet plugins check` starts for each effect, and writes the result as JSON.
struct PluginsCheckEffect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-effect", abstract: "Run one effect's check scenarios (used by `facet plugins check`).",
        shouldDisplay: false)

    @Argument(help: "The plugin library (.so).")
    var path: String

    @Option(name: .long, help: "The effect's index in the library; without it, only load the library and read its descriptors.")
    var index: Int32?

    func run() throws {
        let status = PluginValidator.childMain(library: URL(fileURLWithPath: path), index: index)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `facet plugins info --json`: what the library's table states and its effects' descriptors,
/// the latter in the wire format of Docs/PluginABI.md.
struct PluginLibraryReport: Encodable {
    var library: String
    var id: String?
    var version: String?
    var apiVersion: UInt32
    var apiMinor: UInt32?
    var effects: [EffectDescriptor]

    init(_ plugin: LoadedPlugin) {
        library = plugin.info.url.path
        id = plugin.info.id
        version = plugin.info.version
        apiVersion = plugin.info.apiVersion
        apiMinor = plugin.info.apiMinor
        effects = plugin.factories.map(\.descriptor)
    }
}

/// `facet plugins list --json`: the search directories in order, what loaded from each and why
/// anything did not.
struct PluginListReport: Encodable {
    struct Directory: Encodable {
        var path: String
        var exists: Bool
        var plugins: [PluginLibraryReport]
        var errors: [String]
    }
    var problems: [String]
    var directories: [Directory]

    init(problems: [String], directories: [PluginDirectory]) {
        self.problems = problems
        self.directories = directories.map { directory in
            Directory(
                path: directory.url.path, exists: directory.exists, plugins: directory.plugins.map(PluginLibraryReport.init),
                errors: directory.errors.map { "\($0)" })
        }
    }
}
