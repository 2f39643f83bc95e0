import FacetHost
import FacetMedia
import FacetSDK
import Foundation

/// Writing to the terminal: errors and warnings on stderr, results on stdout.
enum Terminal {
    /// Whether standard error is a terminal (progress bars are drawn only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Prints a line to standard error, made safe (`safe(_:)`).
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((safe(text) + "\n").utf8))
    }

    /// Prints a line to standard output, made safe (`safe(_:)`).
    static func line(_ text: String) {
        print(safe(text))
    }

    /// The longest line shown; longer ones (a value pasted from a file) are shortened.
    static let maximumLineLength = 2000

    /// `text` with control characters escaped (so nothing from a file drives the terminal) and
    /// every line beyond `maximumLineLength` characters shortened.
    static func safe(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { DisplayText.shortened(String($0), limit: maximumLineLength) }
            .joined(separator: "\n")
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

    /// Shows `text` on the bar's line at once (a phase with no frame count, such as the effect
    /// that is running); the next frame count replaces it.
    func status(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
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

/// What facet does on SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal closed) and SIGQUIT
/// (Ctrl-\): stop, remove every temporary output, print one line and exit with 128 + the
/// signal's number (130, 143, 129, 131). Installed first thing in `main`, so it holds from the
/// first instruction to the last; only SIGKILL can leave a file behind.
///
/// A command doing long work hands its `CancellationFlag` to `watch(_:)`: the first signal
/// cancels it, the run stops between frames, removes its temporary file and reports
/// `HostError(.cancelled)`, and `FacetCLI.report` turns that into the signal's exit status. If the
/// run has not stopped within `graceSeconds`, or a second signal comes, or no work is being
/// watched, the process removes the registered temporary files (`TemporaryFiles`) and exits at once.
enum SignalGuard {
    /// The signals handled.
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    /// How long a watched run may take to stop before the process exits anyway.
    static let graceSeconds = 5.0

    private static let lock = NSLock()
    // Safe to share: every field below is only touched under `lock`.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    nonisolated(unsafe) private static var watched: CancellationFlag?
    nonisolated(unsafe) private static var firstSignal: Int32?

    /// The first signal received, if any.
    static var received: Int32? { lock.lock(); defer { lock.unlock() }; return firstSignal }

    /// Takes over the handled signals (their default actions are replaced).
    static func install() {
        lock.lock(); defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in handled {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { arrived(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Routes the next signal to `flag.cancel()` instead of exiting at once.
    static func watch(_ flag: CancellationFlag) {
        install()
        lock.lock()
        watched = flag
        let pending = firstSignal
        lock.unlock()
        if pending != nil { flag.cancel() }
    }

    /// The exit status for a run stopped by a signal: 128 + its number (130 for Ctrl-C).
    static var interruptedStatus: Int32 { 128 + (received ?? SIGINT) }

    /// `SIGTERM`, `SIGINT`, … for a signal number.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        case SIGQUIT: return "SIGQUIT"
        default: return "signal \(number)"
        }
    }

    private static func arrived(_ number: Int32) {
        lock.lock()
        let isFirst = firstSignal == nil
        if isFirst { firstSignal = number }
        let flag = watched
        lock.unlock()
        guard isFirst, let flag else { forceExit(number) }
        flag.cancel()
        DispatchQueue.global().asyncAfter(deadline: .now() + graceSeconds) { forceExit(number) }
    }

    /// Removes the temporary outputs, says so and exits with 128 + the first signal's number.
    private static func forceExit(_ number: Int32) -> Never {
        let removed = TemporaryFiles.removeAll()
        let first = received ?? number
        let note = removed > 0 ? "; removed \(removed) unfinished output file\(removed == 1 ? "" : "s")" : ""
        FileHandle.standardError.write(Data("\r\u{1B}[Kfacet: stopped by \(name(first))\(note)\n".utf8))
        _exit(128 + first)
    }
}

/// Exit codes scripts can rely on.
enum ExitStatus {
    /// The run failed with an error that was printed.
    static let failure: Int32 = 1
}

/// Error reporting shared by the subcommands.
enum FacetCLI {
    /// Prints a host error the way the CLI shows every error; returns the exit code to use.
    static func report(_ error: HostError) -> Int32 {
        if error.code == .cancelled, let signal = SignalGuard.received {
            Terminal.error("facet: stopped by \(SignalGuard.name(signal)): \(error)")
            return SignalGuard.interruptedStatus
        }
        Terminal.error("facet: error: \(error)")
        if ProcessInfo.processInfo.environment["FACET_DEBUG"] == "1" { printChain(of: error) }
        return error.code == .cancelled ? SignalGuard.interruptedStatus : ExitStatus.failure
    }

    /// With `FACET_DEBUG=1`: every link of the error's chain of causes on a line of its own, with
    /// its type, code and where in Facet's source it was made (for bug reports).
    static func printChain(of error: any Error) {
        for (depth, link) in ErrorChain.links(of: error).enumerated() {
            let own = ErrorChain.ownText(of: link)
            if let chained = link as? any ChainedError {
                Terminal.error("facet:   \(depth): \(type(of: link)) [\(chained.codeName)] at \(chained.origin): \(own)")
            } else {
                Terminal.error("facet:   \(depth): \(type(of: link)): \(own)")
            }
        }
    }
}

/// The effects this run can use: built-ins plus run-time plugins.
enum EffectCatalog {
    // The registry with plugins, once loaded (the CLI is one thread while it resolves chains).
    nonisolated(unsafe) private static var loaded: EffectRegistry?

    /// Loads the standard registry once per process; plugin problems are printed as warnings
    /// unless `quiet`.
    static func load(quiet: Bool = false) -> EffectRegistry {
        if let loaded { return loaded }
        let (registry, problems) = EffectRegistry.standard()
        if !quiet {
            for problem in problems { Terminal.warning(problem.description) }
        }
        loaded = registry
        return registry
    }

    /// Runs `body` with the built-in effects only, and once more with the plugins loaded when
    /// it names an effect the built-ins lack: a command whose chain needs no plugin loads none
    /// (no plugin's constructors run).
    static func resolving<T>(quiet: Bool = false, _ body: (EffectRegistry) throws(HostError) -> T) throws(HostError) -> T {
        do {
            return try body(.builtIn)
        } catch {
            guard error.code == .unknownEffect else { throw error }
            return try body(load(quiet: quiet))
        }
    }
}

/// One line per driving input in `apply`'s summary.
enum DriverLine {
    /// e.g. `driver talk.mp4: video, 300 frames, 1 face, analysed in 9.8 s (cached for the next run)`.
    static func text(_ driver: DriverReport) -> String {
        let name = URL(fileURLWithPath: driver.path).lastPathComponent
        let kind = driver.kind == .motionFile ? "motion file" : driver.kind.rawValue
        let source: String
        if driver.kind == .motionFile {
            source = "read"
        } else if driver.fromCache {
            source = "from the cache, not analysed"
        } else {
            source = String(format: "analysed in %.1f s", driver.analysisSeconds)
        }
        return "driver \(name): \(kind), \(driver.frames) frame(s), \(driver.faces) face(s), \(source)"
    }
}

/// One line per analysed speech in the summary of `apply` and `preview`.
enum SpeechLine {
    /// e.g. `speech: 12.3 s, 142 phones aligned (from the cache)`.
    static func text(_ speech: SpeechReport) -> String {
        let what: String
        switch speech.method {
        case .alignment: what = "\(speech.phones) phones aligned"
        case .recognition: what = "\(speech.phones) phones recognised"
        case .loudness: what = "no phones, loudness only"
        }
        let source =
            speech.fromCache
            ? " (from the cache)" : speech.analysisSeconds > 0 ? String(format: " (analysed in %.1f s)", speech.analysisSeconds) : ""
        return String(format: "speech: %.1f s, ", speech.duration) + what + source
    }
}
