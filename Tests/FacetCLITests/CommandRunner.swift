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
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                    inheritEnvironment: Bool = true, whileRunning: ((Process) -> Void)? = nil) throws -> CommandResult {
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
        return CommandResult(status: process.terminationStatus,
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
}

/// Mutable storage filled by a background reader.
private final class DataBox: @unchecked Sendable {
    // Written once by one reader before the group is left; read after `group.wait()`.
    var data = Data()
}

/// A fresh temporary directory, deleted when the test ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
