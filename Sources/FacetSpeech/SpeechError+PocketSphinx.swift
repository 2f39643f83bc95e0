import CPocketSphinx
import Foundation

// MARK: - pocketsphinx's log

/// The errors pocketsphinx logged during a call that failed: the cause of a `SpeechError` raised
/// by a pocketsphinx call (pocketsphinx reports failures in its log, not in its status codes).
public struct PocketSphinxLog: Error, Sendable, CustomStringConvertible {
    /// The ERROR and FATAL lines, in order, without their "ERROR: file, line n:" prefix.
    public let errors: [String]

    /// `pocketsphinx: <first error>; <second error>…`, or a note that it logged none.
    public var description: String {
        errors.isEmpty ? "pocketsphinx logged no error" : "pocketsphinx: " + errors.joined(separator: "; ")
    }
}

/// The process-wide side of pocketsphinx: its log is one global stream, so every call into
/// pocketsphinx runs under one lock, with the log off (pocketsphinx writes hundreds of lines to
/// stderr otherwise) or, for calls that can fail, captured in memory so the error can say why.
enum PocketSphinx {
    private static let lock = NSLock()

    /// Runs `body` holding the lock, with pocketsphinx's log off.
    static func run<T>(_ body: () throws(SpeechError) -> T) throws(SpeechError) -> T {
        lock.lock()
        defer { lock.unlock() }
        err_set_logfp(nil)
        return try body()
    }

    /// Runs `body` holding the lock with pocketsphinx's log written to memory; returns its result
    /// and the errors logged.
    static func capturing<T>(_ body: () -> T) -> (result: T, log: PocketSphinxLog) {
        lock.lock()
        defer { lock.unlock() }
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else {
            err_set_logfp(nil)
            return (body(), PocketSphinxLog(errors: []))
        }
        err_set_logfp(stream)
        let result = body()
        // Off again before the stream closes: nothing may write to it afterwards.
        err_set_logfp(nil)
        fclose(stream)
        defer { free(buffer) }
        let text = buffer.map { String(cString: $0) } ?? ""
        return (result, PocketSphinxLog(errors: errorLines(of: text)))
    }

    /// The ERROR and FATAL lines of a log, without the "ERROR: "file.c", line 78: " prefix.
    static func errorLines(of log: String) -> [String] {
        log.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("ERROR") || line.hasPrefix("FATAL") else { return nil }
            // "ERROR: "acmod.c", line 78: Folder … does not contain …"
            if let range = line.range(of: #"^[A-Z_]+: "[^"]*", line \d+: "#, options: .regularExpression) {
                return String(line[range.upperBound...])
            }
            return String(line)
        }
    }
}

// MARK: - Status codes

/// Throws a `decoderFailed` error "could not <what>" with the captured log as its cause when
/// `status` is negative (pocketsphinx's failure status); returns the status otherwise.
@discardableResult
func check(_ status: Int32, _ what: @autoclosure () -> String, log: PocketSphinxLog, path: String? = nil) throws(SpeechError)
    -> Int32
{
    guard status < 0 else { return status }
    throw SpeechError(.decoderFailed, "could not " + what(), path: path, cause: log)
}
