// Shared by the test targets: speech synthesised with festival's `text2wave` tool.

import Foundation
import XCTest

/// Speech made with festival (`text2wave`): a WAV of a sentence, for tests that need real speech.
public enum FestivalCLI {
    /// The `text2wave` executable on PATH, if any.
    public static let executable: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("text2wave")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Writes `text` spoken by `voice` (a festival voice, default the diphone voice of
    /// `festvox-kallpc16k`) to the WAV file `output`. Skips the test when festival is missing,
    /// except under `CI=true`, where that fails it.
    public static func say(
        _ text: String, voice: String = "kal_diphone", to output: URL, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        guard let executable else {
            let message = "festival is not installed (no text2wave on PATH); apt install festival festvox-kallpc16k"
            if SharedData.isCI { throw FixtureError("CI=true requires festival: " + message) }
            throw XCTSkip(message, file: file, line: line)
        }
        let textFile = output.deletingPathExtension().appendingPathExtension("festival.txt")
        try text.write(to: textFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: textFile) }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-eval", "(voice_\(voice))", "-o", output.path, textFile.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: output.path) else {
            throw FixtureError(
                "text2wave did not say \"\(text)\" with voice \(voice) (is its package installed?): \(String(decoding: data, as: UTF8.self).suffix(400))"
            )
        }
    }
}
