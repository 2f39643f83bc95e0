import FacetHost
import Foundation

/// Writing to the terminal: errors and warnings on stderr, results on stdout.
enum Terminal {
    /// Whether standard error is a terminal (progress bars are drawn only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Prints a line to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints a warning line to standard error.
    static func warning(_ text: String) {
        error("facet: warning: \(text)")
    }

    /// Encodes a value as pretty, key-sorted JSON on standard output.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A one-line progress bar on standard error: frames, speed and time left.
final class ProgressBar: ProgressObserver {
    private var total: Int?
    private var startTime = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool
    /// A word in front of the bar naming the phase (e.g. "analysing"); empty for none.
    var label = ""
    /// The label the next `started` call switches to (the next phase), if any.
    var nextLabel: String?

    /// A bar that draws only when `enabled` (a terminal, not --quiet or --json).
    init(enabled: Bool) { self.enabled = enabled }

    func started(totalFrames: Int?) {
        total = totalFrames
        startTime = Date()
        if let nextLabel {
            label = nextLabel
            self.nextLabel = nil
        }
    }

    func advanced(framesDone: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(startTime)
        let fps = elapsed > 0 ? Double(framesDone) / elapsed : 0
        var line = label.isEmpty ? "" : label + " "
        if let total, total > 0 {
            let fraction = min(1, Double(framesDone) / Double(total))
            let width = 28
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            line += "\(framesDone)/\(total) frames"
            if fps > 0 {
                line += String(format: "  %.1f fps  ETA %@", fps, Self.clock(Double(max(0, total - framesDone)) / fps))
            }
        } else {
            line += String(format: "%d frames  %.1f fps", framesDone, fps)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func finished() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}

/// Turns Ctrl-C (and SIGTERM) into a cancellation request, so a run stops between frames and
/// removes its temporary output instead of dying mid-write.
enum InterruptHandler {
    /// The installed signal sources; kept alive for the rest of the process.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Routes SIGINT and SIGTERM to `flag.cancel()`.
    static func install(cancelling flag: CancellationFlag) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { flag.cancel() }
            source.resume()
            sources.append(source)
        }
    }
}

/// Exit codes scripts can rely on.
enum ExitStatus {
    /// The run failed with an error that was printed.
    static let failure: Int32 = 1
    /// The user interrupted the run.
    static let interrupted: Int32 = 130
}

/// Error reporting shared by the subcommands.
enum FacetCLI {
    /// Prints a host error the way the CLI shows every error; returns the exit code to use.
    static func report(_ error: HostError) -> Int32 {
        Terminal.error("facet: error: \(error)")
        return error.code == .cancelled ? ExitStatus.interrupted : ExitStatus.failure
    }
}

/// The effects this run can use: built-ins plus run-time plugins.
enum EffectCatalog {
    /// Loads the standard registry; plugin problems are printed as warnings unless `quiet`.
    static func load(quiet: Bool = false) -> EffectRegistry {
        let (registry, problems) = EffectRegistry.standard()
        if !quiet {
            for problem in problems { Terminal.warning(problem.description) }
        }
        return registry
    }
}
