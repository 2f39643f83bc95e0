import FacetTestSupport
import Foundation
import XCTest

/// Runs the built `facet` binary and other commands, capturing their output.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CommandRunner {
    /// The directory holding the test bundle and the built products (`.build/debug`).
    static var productsDirectory: URL {
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
        return url
    }

    /// The `facet` executable built alongside the tests.
    static var facet: URL { productsDirectory.appendingPathComponent("facet") }

    /// Runs `executable` with `arguments`; `environment` entries are added to the current ones, or
    /// are the whole environment when `inheritEnvironment` is false.
    @discardableResult
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
        inheritEnvironment: Bool = true, whileRunning: ((Process) -> Void)? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = inheritEnvironment ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks.
        let outData = DataBox()
        let errData = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        whileRunning?(process)
        process.waitUntilExit()
        group.wait()
        return CommandResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData.data, as: UTF8.self),
            stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Runs `facet` with arguments.
    @discardableResult
    static func facet(_ arguments: String..., environment: [String: String] = [:]) throws -> CommandResult {
        try run(facet, arguments, environment: environment)
    }

    /// Runs the `ffmpeg` tool quietly in the temporary directory; throws with its message on failure.
    static func ffmpeg(_ arguments: [String]) throws {
        try FFmpegCLI.run(arguments, in: FileManager.default.temporaryDirectory)
    }

    /// Runs `executable` with its standard error on a pseudo-terminal, so that it draws its
    /// progress as it does for a person, and calls `action` once the terminal has shown `marker`.
    /// Returns the result, with what the terminal showed as `stderr`, and whether `marker` was
    /// shown within `seconds`; when it was not, the child is killed (SIGKILL) instead.
    static func runOnTerminal(
        _ executable: URL, _ arguments: [String], whenShown marker: String,
        within seconds: TimeInterval = 60,
        _ action: (Process) -> Void
    ) throws -> (result: CommandResult, shown: Bool) {
        let terminal = try PseudoTerminal()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(fileDescriptor: terminal.child, closeOnDealloc: false)
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            terminal.closeChildSide()
            throw error
        }
        terminal.closeChildSide()  // the child holds it now: reads end when the child exits
        let outData = DataBox()
        let shownText = TextBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            outData.data = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            terminal.readUntilClosed { shownText.append($0) }
            group.leave()
        }
        let shown = waitUntil(within: seconds) { shownText.contains(marker) || !process.isRunning } && shownText.contains(marker)
        if shown { action(process) } else { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return (
            CommandResult(
                status: process.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                stderr: shownText.text), shown
        )
    }
}

// MARK: - Waiting for a child's progress

/// Checks `condition` every 10 ms until it holds or `seconds` have passed; returns whether it held.
/// For waiting on something a child does (a file appears, a line is printed), never on time alone.
func waitUntil(within seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() >= deadline { return false }
        usleep(10_000)
    }
    return true
}

/// Whether process `pid` has a handler installed for `signal` (its `SigCgt` mask in
/// `/proc/PID/status`): how a test sees that a child has taken a signal over.
func catchesSignal(_ pid: pid_t, _ signal: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
        let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    else { return false }
    return mask & (1 << UInt64(signal - 1)) != 0
}

/// A pseudo-terminal in raw mode (bytes pass unchanged): the parent reads what the child writes to
/// the other side.
private final class PseudoTerminal: @unchecked Sendable {
    // Both descriptors are set once in init; `child` is closed once by the launching thread.
    let parent: Int32
    let child: Int32

    init() throws {
        // posix_openpt(3) is open("/dev/ptmx") on Linux; unlockpt and ptsname_r are looked up in the C
        // library because Swift's Glibc module leaves them out (they need _XOPEN_SOURCE).
        typealias Unlock = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32
        guard let unlockSymbol = dlsym(nil, "unlockpt"), let nameSymbol = dlsym(nil, "ptsname_r") else {
            throw FixtureError("the C library has no unlockpt/ptsname_r")
        }
        let unlockpt = unsafeBitCast(unlockSymbol, to: Unlock.self)
        let ptsname = unsafeBitCast(nameSymbol, to: Name.self)
        parent = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var name = [CChar](repeating: 0, count: 128)
        guard parent >= 0, unlockpt(parent) == 0, ptsname(parent, &name, name.count) == 0 else {
            let reason = String(cString: strerror(errno))
            if parent >= 0 { close(parent) }
            throw FixtureError("cannot open a pseudo-terminal (/dev/ptmx): \(reason)")
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        child = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard child >= 0 else {
            close(parent)
            throw FixtureError("cannot open the pseudo-terminal's other side: \(String(cString: strerror(errno)))")
        }
        var settings = termios()
        if tcgetattr(child, &settings) == 0 {
            cfmakeraw(&settings)
            tcsetattr(child, TCSANOW, &settings)
        }
    }

    func closeChildSide() { close(child) }

    /// Reads until every holder of the other side has closed it (EIO on Linux), then closes.
    func readUntilClosed(_ received: (Data) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(parent, &buffer, buffer.count)
            if count > 0 { received(Data(buffer[0..<count])) } else if count < 0 && errno == EINTR { continue } else { break }
        }
        close(parent)
    }
}

/// Mutable storage filled by a background reader.
private final class DataBox: @unchecked Sendable {
    // Written once by one reader before the group is left; read after `group.wait()`.
    var data = Data()
}

/// Text that grows while a background reader appends to it and the test polls it.
private final class TextBox: @unchecked Sendable {
    // Every access is under `lock`.
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        bytes.append(data)
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: bytes, as: UTF8.self)
    }

    func contains(_ marker: String) -> Bool { text.contains(marker) }
}

/// A fresh temporary directory, deleted when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
