// Shared by the test targets: making test media with the ffmpeg tool.

import Foundation

/// Runs the `ffmpeg` command-line tool to make test media; throws a clear error when it is missing.
public enum FFmpegCLI {
    /// The `ffmpeg` executable on PATH, if any.
    public static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("ffmpeg")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Runs `ffmpeg -v error -y <arguments>` in `directory`; throws with its stderr on failure.
    public static func run(_ arguments: [String], in directory: URL) throws {
        guard let executable else {
            throw FixtureError(
                "the ffmpeg command-line tool is not installed (not on PATH); the media tests generate their inputs with it — install it (apt install ffmpeg)"
            )
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-nostdin", "-v", "error", "-y"] + arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(
                "ffmpeg \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))"
            )
        }
    }
}

/// An error while preparing test inputs.
public struct FixtureError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// Creates an error with its description.
    public init(_ description: String) { self.description = description }
}
