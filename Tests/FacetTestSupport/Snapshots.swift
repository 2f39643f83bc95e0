// Shared by the test targets: text snapshots of what users read (help, parameter tables, preset
// listings), kept as plain files in the repository and compared exactly.

import Foundation
import XCTest

/// A folder of text snapshots, one file per snapshot, compared exactly with what a test produced.
///
/// - A difference fails the test with a unified diff of the first differing lines and the command
///   that re-records.
/// - With `FACET_RECORD_SNAPSHOTS=1` in the environment every compared snapshot is written and the
///   test fails once saying so: a new baseline is never accepted silently. Review the files
///   (`git diff`), then run the tests again without the variable.
/// - A snapshot file that does not exist yet is written and fails the same way.
public struct SnapshotFolder: Sendable {
    /// The folder holding the snapshot files.
    public let url: URL
    /// The command that re-records this folder's snapshots, shown in every failure.
    public let recordCommand: String

    /// The environment variable that turns recording on (`1`).
    public static let recordVariable = "FACET_RECORD_SNAPSHOTS"

    /// Whether this run records snapshots instead of comparing them.
    public static var isRecording: Bool { ProcessInfo.processInfo.environment[recordVariable] == "1" }

    /// A folder of snapshots; `recordCommand` is what a developer types to re-record them.
    public init(_ url: URL, recordCommand: String) {
        self.url = url
        self.recordCommand = recordCommand
    }

    /// The file of the snapshot `name` (a file name such as `help-apply.txt`).
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names of the snapshot files in the folder.
    public func storedNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Fails unless `actual` is exactly the text of the snapshot `name`; records it instead when
    /// recording or when the snapshot does not exist yet (and fails once, saying so).
    public func assertMatches(
        _ actual: String, named name: String, producedBy producer: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let target = self.file(name)
        let stored = try? String(contentsOf: target, encoding: .utf8)
        if Self.isRecording || stored == nil {
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                try Data(actual.utf8).write(to: target, options: .atomic)
            } catch {
                XCTFail("cannot record the snapshot \(target.path): \(error)", file: file, line: line)
                return
            }
            if stored == actual { return }  // recording an unchanged snapshot is not a change
            let why = stored == nil ? "did not exist" : "was re-recorded (\(Self.recordVariable)=1)"
            let again = Self.isRecording ? "run the tests again without \(Self.recordVariable)" : "run the tests again"
            XCTFail(
                "snapshot \(name) \(why): wrote \(target.path) from `\(producer)`. Review it (git diff), "
                    + "then \(again) to check it.", file: file, line: line)
            return
        }
        guard let stored, stored != actual else { return }
        let diff = LineDiff.unified(from: stored, to: actual, fromName: "\(name) (snapshot)", toName: producer)
        XCTFail(
            """
            `\(producer)` no longer prints what the snapshot \(name) holds:
            \(diff)
            If the change is intended, re-record the snapshots and review them:
              \(recordCommand)
              git diff \(url.path)
            """, file: file, line: line)
    }
}

/// A line-by-line diff of two texts in the unified format, shortened to its first lines.
public enum LineDiff {
    private enum Step: Equatable {
        case same(String)
        case removed(String)
        case added(String)

        var isChange: Bool {
            if case .same = self { return false }
            return true
        }
    }

    /// The unified diff of `old` → `new` (`---`/`+++` header, `@@` hunks with `context` lines of
    /// context), cut after `maximumLines` hunk lines with a note of how many more differ; empty when
    /// the texts are equal. Trailing spaces and tabs are shown as `·` and `→` so an invisible
    /// difference stays visible.
    public static func unified(
        from old: String, to new: String, fromName: String, toName: String,
        context: Int = 2, maximumLines: Int = 24
    ) -> String {
        if old == new { return "" }
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let steps = script(a, b)

        // Hunks: runs of changes with `context` unchanged lines around them, merged when close.
        var changed: [Int] = []
        for (index, step) in steps.enumerated() where step.isChange { changed.append(index) }
        var hunks: [ClosedRange<Int>] = []
        for index in changed {
            let range = max(0, index - context)...min(steps.count - 1, index + context)
            if let last = hunks.last, range.lowerBound <= last.upperBound + 1 {
                hunks[hunks.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                hunks.append(range)
            }
        }

        // Line numbers (1-based) in each text where every step starts.
        var oldLine = [Int](repeating: 0, count: steps.count), newLine = oldLine
        var (i, j) = (1, 1)
        for (index, step) in steps.enumerated() {
            (oldLine[index], newLine[index]) = (i, j)
            switch step {
            case .same: i += 1; j += 1
            case .removed: i += 1
            case .added: j += 1
            }
        }

        var lines = ["--- \(fromName)", "+++ \(toName)"]
        var shown = 0
        var hidden = 0
        for hunk in hunks {
            let slice = steps[hunk]
            let oldCount = slice.filter { if case .added = $0 { return false } else { return true } }.count
            let newCount = slice.filter { if case .removed = $0 { return false } else { return true } }.count
            let header = "@@ -\(oldLine[hunk.lowerBound]),\(oldCount) +\(newLine[hunk.lowerBound]),\(newCount) @@"
            for (offset, step) in slice.enumerated() {
                if shown >= maximumLines {
                    if step.isChange { hidden += 1 }
                    continue
                }
                if offset == 0 { lines.append(header) }
                switch step {
                case .same(let text): lines.append(" " + visible(text))
                case .removed(let text): lines.append("-" + visible(text))
                case .added(let text): lines.append("+" + visible(text))
                }
                shown += 1
            }
        }
        if hidden > 0 { lines.append("… and \(hidden) more changed line\(hidden == 1 ? "" : "s")") }
        return lines.joined(separator: "\n")
    }

    /// Trailing blanks made visible.
    private static func visible(_ line: String) -> String {
        var body = Substring(line)
        var tail = ""
        while let last = body.last, last == " " || last == "\t" {
            tail = (last == " " ? "·" : "→") + tail
            body = body.dropLast()
        }
        return String(body) + tail
    }

    /// The shortest edit script from `a` to `b` by longest common subsequence (texts of a few
    /// hundred lines: the table is small); past 4 million cells, common head and tail only.
    private static func script(_ a: [String], _ b: [String]) -> [Step] {
        let (n, m) = (a.count, b.count)
        guard n * m <= 4_000_000 else {
            var head = 0
            while head < min(n, m), a[head] == b[head] { head += 1 }
            var tail = 0
            while tail < min(n, m) - head, a[n - 1 - tail] == b[m - 1 - tail] { tail += 1 }
            return a[..<head].map(Step.same) + a[head..<(n - tail)].map(Step.removed) + b[head..<(m - tail)].map(Step.added)
                + a[(n - tail)...].map(Step.same)
        }
        // common[i][j]: the longest common subsequence of a[i...] and b[j...].
        var common = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var steps: [Step] = []
        var (i, j) = (0, 0)
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                steps.append(.same(a[i])); i += 1; j += 1
            } else if j == m || (i < n && common[i + 1][j] >= common[i][j + 1]) {
                steps.append(.removed(a[i])); i += 1
            } else {
                steps.append(.added(b[j])); j += 1
            }
        }
        return steps
    }
}
