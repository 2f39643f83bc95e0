import FacetTestSupport
import Foundation
import XCTest

/// Snapshots of what users read: the `--help` of every command and subcommand, the effect listing
/// and parameter table, the preset listing and every shipped preset's chain, each compared with a
/// file in `Snapshots/`. A changed text fails with a diff; re-record on purpose with
/// `FACET_RECORD_SNAPSHOTS=1 swift test --filter CLISnapshotTests` and review the files.
///
/// The output is made independent of the machine: the child gets a fixed environment (no
/// `COLUMNS`, an empty `HOME`, no `FACET_*` variables, so no user presets or plugins), its
/// standard output is a pipe (argument-parser lays help out for 80 columns then), and the package's
/// own path, which `presets show` prints, is written `<package>`.
final class CLISnapshotTests: XCTestCase {
    /// This file's folder is `Tests/FacetCLITests`; the snapshots live beside it.
    private static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    private static let packageRoot = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
    static let snapshots = SnapshotFolder(
        testsFolder.appendingPathComponent("Snapshots", isDirectory: true),
        recordCommand: "FACET_RECORD_SNAPSHOTS=1 swift test --filter CLISnapshotTests")

    private var home: URL!

    override func setUpWithError() throws {
        home = try makeTemporaryDirectory(self)
    }

    /// The environment every snapshot is taken in.
    private var environment: [String: String] { ["PATH": "/usr/bin:/bin", "HOME": home.path] }

    /// Runs `facet` in the fixed environment; fails unless it exits 0 and prints nothing on stderr.
    private func facet(
        _ arguments: [String], extra: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let result = try CommandRunner.run(
            CommandRunner.facet, arguments, environment: environment.merging(extra) { $1 },
            inheritEnvironment: false)
        XCTAssertEqual(result.status, 0, "facet \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stderr, "", "facet \(arguments.joined(separator: " ")) printed on stderr", file: file, line: line)
        return result.stdout.replacingOccurrences(of: Self.packageRoot.path + "/", with: "<package>/")
    }

    /// Compares `facet ARGUMENTS` with the snapshot `name`.
    private func check(_ arguments: [String], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try facet(arguments, file: file, line: line)
        Self.snapshots.assertMatches(
            output, named: name, producedBy: (["facet"] + arguments).joined(separator: " "),
            file: file, line: line)
    }

    // MARK: - The snapshots

    /// Every command's words (`[]` for `facet` itself, `["bench", "quality"]`…), read from the
    /// binary's own description of its command tree (argument-parser's `--experimental-dump-help`),
    /// so a new subcommand gets a snapshot without anyone listing it here.
    private func commandTree() throws -> [[String]] {
        struct Node: Decodable {
            var commandName: String
            var subcommands: [Node]?
        }
        struct Dump: Decodable { var command: Node }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(try facet(["--experimental-dump-help"]).utf8))
        var commands: [[String]] = []
        func walk(_ node: Node, _ words: [String]) {
            commands.append(words)
            // argument-parser's implicit `help` command prints the help of the command it names.
            for child in node.subcommands ?? [] where child.commandName != "help" { walk(child, words + [child.commandName]) }
        }
        walk(dump.command, [])
        return commands
    }

    /// `help-facet.txt`, `help-apply.txt`, `help-bench-quality.txt`…
    private static func helpName(_ words: [String]) -> String {
        "help-" + (words.isEmpty ? "facet" : words.joined(separator: "-")) + ".txt"
    }

    /// The presets shipped in `Presets/`, by name.
    private static var shippedPresets: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Presets").path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    func testHelpOfEveryCommand() throws {
        let commands = try commandTree()
        // The tree as the code has it today; a command missing here means the dump was misread.
        for expected in [
            [], ["apply"], ["preview"], ["analyze"], ["probe"], ["effects"], ["presets"], ["presets", "list"],
            ["presets", "show"], ["models"], ["models", "list"], ["models", "convert-bfm"], ["pirender"], ["bench"],
            ["bench", "quality"], ["plugins"], ["plugins", "new"], ["plugins", "list"], ["plugins", "info"], ["plugins", "check"],
        ] {
            XCTAssertTrue(commands.contains(expected), "facet \(expected.joined(separator: " ")) is not in the command tree \(commands)")
        }
        for words in commands { try check(words + ["--help"], Self.helpName(words)) }
    }

    func testEffectListingAndParameterTable() throws {
        try check(["effects"], "effects.txt")
        try check(["effects", "direct-edit"], "effects-direct-edit.txt")
        try check(["effects", "audio-sync"], "effects-audio-sync.txt")
    }

    func testPresetListingAndEveryShippedPresetsChain() throws {
        XCTAssertGreaterThanOrEqual(Self.shippedPresets.count, 2, "no presets found in \(Self.packageRoot.path)/Presets")
        try check(["presets", "list"], "presets-list.txt")
        try check(["presets", "show"], "presets-show.txt")
        for preset in Self.shippedPresets { try check(["presets", "show", preset], "presets-show-\(preset).txt") }
    }

    /// A snapshot no test takes any more (a command or preset was removed) fails until deleted.
    func testEverySnapshotFileIsStillTaken() throws {
        var taken = Set(try commandTree().map(Self.helpName))
        taken.formUnion(["effects.txt", "effects-direct-edit.txt", "effects-audio-sync.txt", "presets-list.txt", "presets-show.txt"])
        taken.formUnion(Self.shippedPresets.map { "presets-show-\($0).txt" })
        for stale in Self.snapshots.storedNames() where !taken.contains(stale) {
            XCTFail(
                "Snapshots/\(stale) is not produced by any test any more; delete it "
                    + "(git rm \(Self.snapshots.file(stale).path))")
        }
    }

    /// What a failure shows: the first differing lines as a unified diff, trailing blanks visible.
    func testADifferenceIsShownAsAUnifiedDiff() {
        let old = "one\ntwo\nthree\nfour\nfive\nsix\nseven"
        let new = "one\ntwo\nthree \nfour\nfive\nsix\nseven\neight"
        XCTAssertEqual(
            LineDiff.unified(from: old, to: new, fromName: "a", toName: "b", context: 1),
            """
            --- a
            +++ b
            @@ -2,3 +2,3 @@
             two
            -three
            +three·
             four
            @@ -7,1 +7,2 @@
             seven
            +eight
            """)
        XCTAssertEqual(LineDiff.unified(from: old, to: old, fromName: "a", toName: "b"), "")
        let long = (1...40).map { "line \($0)" }.joined(separator: "\n")
        let cut = LineDiff.unified(from: "", to: long, fromName: "a", toName: "b", maximumLines: 5)
        XCTAssertTrue(cut.hasSuffix("+line 4\n… and 36 more changed lines"), cut)
    }

    /// The snapshots do not depend on the terminal: through a pipe, with no `COLUMNS`, help is laid
    /// out for 80 columns exactly as with `COLUMNS=80`; a caller's `COLUMNS` would change it, which
    /// is why the environment is fixed.
    func testHelpIsLaidOutForEightyColumnsThroughAPipe() throws {
        let piped = try facet(["apply", "--help"])
        XCTAssertEqual(piped, try facet(["apply", "--help"], extra: ["COLUMNS": "80"]))
        XCTAssertNotEqual(piped, try facet(["apply", "--help"], extra: ["COLUMNS": "200"]), "COLUMNS is what sets the width")
    }
}
