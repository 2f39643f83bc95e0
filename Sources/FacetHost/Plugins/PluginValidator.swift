// `facet plugins check`: what a plugin author runs in CI. The library, its table and its
// descriptors are checked in this process; each effect's scenarios run in a child process
// (`facet plugins check-effect`), so that a crash is a report line, not a dead checker.

import CFacetPlugin
import FacetSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Checks a plugin library against the plugin contract of `facet_plugin.h` and Docs/Plugins.md.
public enum PluginValidator {
    /// Checks the library at `url`: that it loads and speaks this host's API version, its
    /// identity fields, every descriptor, then every effect's scenarios (`PluginScenarios`), each
    /// effect in a child process of `options.executable` when one is given.
    public static func check(library url: URL, options: PluginCheckOptions) -> PluginCheckReport {
        var report = PluginCheckReport(library: url.path)
        if let executable = options.executable {
            // Loading runs the library's initialisers and entry function: tried in a child first.
            let probe = runInChild(
                executable: executable, library: url, index: nil, id: "library", timeout: options.timeoutSeconds,
                expected: "expected the library to load and describe its effects")
            guard !probe.contains(where: { $0.status == .fail }) else {
                report.lines += probe
                return report
            }
        }
        let library: PluginLibrary
        do {
            library = try PluginLoader.openTable(library: url)
        } catch {
            report.lines.append(PluginCheckLine(.fail, "library", error.description))
            return report
        }
        let info = library.info
        report.pluginID = info.id
        report.pluginVersion = info.version
        report.lines.append(
            PluginCheckLine(
                .pass, "library",
                "loads, exports facet_plugin_entry and speaks plugin API version \(info.apiVersion) (this host's)"))
        report.lines += identityLines(info)
        var effects: [(index: Int32, descriptor: EffectDescriptor)] = []
        var ids = Set<String>()
        for index in 0..<Int32(max(0, info.effectCount)) {
            let subject = "effect \(index)"
            guard let json = library.descriptorJSON(index) else {
                report.lines.append(PluginCheckLine(.fail, subject, "describe(\(index)) returned NULL; expected the descriptor JSON"))
                continue
            }
            let rawLines = DescriptorChecks.rawParameterLines(json, subject: subject)
            report.lines += rawLines
            let descriptor: EffectDescriptor
            do {
                descriptor = try JSONDecoder().decode(EffectDescriptor.self, from: Data(json.utf8))
            } catch {
                if !rawLines.contains(where: { $0.status == .fail }) {
                    report.lines.append(
                        PluginCheckLine(
                            .fail, subject,
                            "the descriptor is not a valid EffectDescriptor: \(ErrorChain.describe(error)); expected the SDK's JSON form"))
                }
                continue
            }
            if !ids.insert(descriptor.id).inserted {
                report.lines.append(PluginCheckLine(.fail, descriptor.id, "a second effect has this id; expected unique ids"))
            }
            report.lines += DescriptorChecks.lines(descriptor, pluginID: info.id)
            effects.append((index, descriptor))
        }
        if info.effectCount <= 0 {
            report.lines.append(PluginCheckLine(.fail, "library", "effect_count is \(info.effectCount); expected at least one effect"))
        }
        for (index, descriptor) in effects {
            if let executable = options.executable {
                report.lines += runInChild(
                    executable: executable, library: url, index: index, id: descriptor.id, timeout: options.timeoutSeconds,
                    expected: "expected process() to return, with an error through error_out if it cannot work")
            } else {
                report.lines += PluginScenarios.run(library: library, index: index, descriptor: descriptor, announce: false)
            }
        }
        return report
    }

    /// The identity fields of the table (plugin_id, plugin_version, api_minor).
    static func identityLines(_ info: PluginLibraryInfo) -> [PluginCheckLine] {
        guard let minor = info.apiMinor else {
            return [
                PluginCheckLine(
                    .fail, "identity",
                    "the table is API 1.≤3 and has no plugin_id, plugin_version or api_minor; expected a plugin built against "
                        + "facet_plugin.h 1.\(FacetPluginABI.hostMinor), which states them (hosts name the plugin by them)")
            ]
        }
        var lines: [PluginCheckLine] = []
        if let id = info.id, !id.isEmpty {
            lines.append(
                DescriptorChecks.isReverseDNS(id)
                    ? PluginCheckLine(.pass, "identity", "plugin_id \(DisplayText.quoted(id)) is a reverse-DNS id")
                    : PluginCheckLine(
                        .fail, "identity",
                        "plugin_id \(DisplayText.quoted(id)) is not a reverse-DNS id; expected lower-case words joined by dots, e.g. com.example.gaze"
                    ))
        } else {
            lines.append(
                PluginCheckLine(.fail, "identity", "plugin_id is NULL or empty; expected a reverse-DNS id such as com.example.gaze"))
        }
        if let version = info.version, !version.isEmpty {
            lines.append(
                DescriptorChecks.isSemanticVersion(version)
                    ? PluginCheckLine(.pass, "identity", "plugin_version \(version) is a semantic version")
                    : PluginCheckLine(
                        .fail, "identity",
                        "plugin_version \(DisplayText.quoted(version)) is not a semantic version; expected major.minor.patch, e.g. 1.0.0"))
        } else {
            lines.append(PluginCheckLine(.fail, "identity", "plugin_version is NULL or empty; expected major.minor.patch, e.g. 1.0.0"))
        }
        if minor > FacetPluginABI.hostMinor {
            lines.append(
                PluginCheckLine(
                    .warn, "identity",
                    "api_minor is \(minor) but this host knows additions up to \(FacetPluginABI.hostMinor); the plugin must not rely on later ones here"
                ))
        } else {
            lines.append(PluginCheckLine(.pass, "identity", "ABI 1.\(minor)"))
        }
        return lines
    }

    // MARK: - Child processes

    /// Runs effect `index`'s scenarios in a child process and turns its fate into report lines:
    /// its own lines when it finishes, else a failure naming the signal, exit status or timeout
    /// and the scenario that was running.
    static func runInChild(
        executable: URL, library: URL, index: Int32?, id: String, timeout: Double, expected: String
    ) -> [PluginCheckLine] {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["plugins", "check-effect", library.path] + (index.map { ["--index", String($0)] } ?? [])
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        // A crash should end the child at once with its signal, not after a symbolicated backtrace.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            return [PluginCheckLine(.fail, id, "could not start \(executable.path) to run the effect: \(ErrorChain.describe(error))")]
        }
        let outData = PipeCollector(out), errData = PipeCollector(err)
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        let stdout = outData.finish(), stderr = String(decoding: errData.finish(), as: UTF8.self)
        let running =
            stderr.split(separator: "\n").last { $0.hasPrefix(PluginScenarios.progressPrefix) }
            .map { " while running " + $0.dropFirst(PluginScenarios.progressPrefix.count) } ?? ""
        if timedOut {
            return [
                PluginCheckLine(
                    .fail, id,
                    "did not finish within \(ParameterSpec.format(timeout)) s\(running) and was killed; expected every scenario to return (a hang?)"
                )
            ]
        }
        if process.terminationReason == .uncaughtSignal {
            let number = process.terminationStatus
            return [
                PluginCheckLine(
                    .fail, id,
                    "crashed the process with \(signalDescription(number))\(running); \(expected)")
            ]
        }
        if let lines = try? JSONDecoder().decode([PluginCheckLine].self, from: stdout), process.terminationStatus == 0 {
            return lines
        }
        let lastWords = stderr.split(separator: "\n").last { !$0.hasPrefix(PluginScenarios.progressPrefix) }.map { ": \($0)" } ?? ""
        return [
            PluginCheckLine(
                .fail, id,
                "the process running it exited with status \(process.terminationStatus)\(running)\(lastWords); \(expected), never to exit"
            )
        ]
    }

    /// What `facet plugins check-effect LIBRARY --index N` does in the child: runs the effect's
    /// scenarios and writes their lines as JSON to standard output, which the plugin's own
    /// prints cannot reach (they go to standard error). Without an index (nil) it only loads the
    /// library and reads every descriptor, so that a crash there is reported before the checker
    /// loads the library itself. Returns the exit status.
    public static func childMain(library url: URL, index: Int32?) -> Int32 {
        fflush(nil)
        let report = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        var lines: [PluginCheckLine] = []
        if let index {
            lines = effectLines(library: url, index: index)
        } else {
            // Errors are left to the parent, which loads the library itself once this survived.
            FileHandle.standardError.write(Data((PluginScenarios.progressPrefix + "dlopen and facet_plugin_entry\n").utf8))
            if let library = try? PluginLoader.openTable(library: url) {
                for effect in 0..<max(0, library.api.pointee.effect_count) {
                    FileHandle.standardError.write(Data((PluginScenarios.progressPrefix + "describe(\(effect))\n").utf8))
                    _ = library.descriptorJSON(effect)
                }
            }
        }
        let data = (try? JSONEncoder().encode(lines)) ?? Data("[]".utf8)
        let written = data.withUnsafeBytes { write(report, $0.baseAddress, $0.count) }
        close(report)
        return written == data.count ? 0 : 1
    }

    /// Effect `index`'s scenario lines, in this process.
    private static func effectLines(library url: URL, index: Int32) -> [PluginCheckLine] {
        let lines: [PluginCheckLine]
        do {
            let library = try PluginLoader.openTable(library: url)
            guard let json = library.descriptorJSON(index) else { throw HostError(.pluginFailed, "no descriptor for effect \(index)") }
            let descriptor = try JSONDecoder().decode(EffectDescriptor.self, from: Data(json.utf8))
            lines = PluginScenarios.run(library: library, index: index, descriptor: descriptor, announce: true)
        } catch {
            lines = [PluginCheckLine(.fail, "effect \(index)", "could not be loaded in the child process: \(ErrorChain.describe(error))")]
        }
        return lines
    }

    /// `SIGSEGV`, `SIGABRT`, … for the signals a crash raises.
    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL", SIGKILL: "SIGKILL",
            SIGTRAP: "SIGTRAP", SIGTERM: "SIGTERM",
        ]
        return names[number] ?? "signal \(number)"
    }

    /// `SIGSEGV (signal 11)`, or `signal 7` for a signal without a name here.
    static func signalDescription(_ number: Int32) -> String {
        let name = signalName(number)
        return name == "signal \(number)" ? name : "\(name) (signal \(number))"
    }
}

/// The ABI figures the checker compares with.
enum FacetPluginABI {
    /// `FACET_PLUGIN_API_MINOR` of the header this host was built with.
    static let hostMinor = UInt32(FACET_PLUGIN_API_MINOR)
}

/// Reads a pipe to its end on another thread, so a chatty child never blocks on a full pipe.
private final class PipeCollector: @unchecked Sendable {
    // Safe to share: `data` is written by the reading thread before `done` is signalled and read after.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        DispatchQueue.global().async {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
