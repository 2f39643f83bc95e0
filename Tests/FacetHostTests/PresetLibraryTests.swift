import DirectEdit
import FacetHost
import FacetSDK
import Foundation
import XCTest

final class PresetLibraryTests: XCTestCase {
    private var root: URL!
    private var system: URL!
    private var user: URL!
    private var environment: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("facet-library-\(UUID())")
        system = root.appendingPathComponent("system")
        user = root.appendingPathComponent("config/facet/presets")
        environment = root.appendingPathComponent("extra")
        for directory in [system!, user!, environment!] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Writes a preset turning the head by `yaw` degrees.
    @discardableResult
    private func write(_ directory: URL, _ file: String, yaw: Double) throws -> URL {
        let url = directory.appendingPathComponent(file)
        let text =
            file.hasSuffix(".json")
            ? #"{"format": 1, "summary": "yaw \#(yaw)", "chain": [{"effect": "direct-edit", "params": {"yaw": \#(yaw)}}]}"#
            : "format: 1\nsummary: yaw \(yaw)\nchain:\n  - effect: direct-edit\n    params: { yaw: \(yaw) }\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func yaw(of preset: Preset) -> Double {
        preset.chain.invocations.first.map { $0.parameters[DirectEdit.yaw, at: 0] } ?? .nan
    }

    private func fullLibrary() -> PresetLibrary {
        PresetLibrary(searchDirectories: [(system, .system), (user, .user), (environment, .environment)])
    }

    // MARK: - Precedence

    func testUserOverridesSystem() throws {
        try write(system, "look.yaml", yaw: 5)
        try write(user, "look.yaml", yaw: 10)
        let library = PresetLibrary(searchDirectories: [(system, .system), (user, .user)])
        let preset = try library.resolve("look", registry: testRegistry())
        XCTAssertEqual(yaw(of: preset), 10)
        XCTAssertEqual(preset.origin, .user)
        XCTAssertEqual(preset.name, "look")
        XCTAssertEqual(preset.summary, "yaw 10.0")
    }

    func testEnvironmentOverridesUserAndSystem() throws {
        let systemFile = try write(system, "look.yaml", yaw: 5)
        let userFile = try write(user, "look.yaml", yaw: 10)
        let environmentFile = try write(environment, "look.json", yaw: 15)
        let preset = try fullLibrary().resolve("look", registry: testRegistry())
        XCTAssertEqual(yaw(of: preset), 15)
        XCTAssertEqual(preset.origin, .environment)
        XCTAssertEqual(preset.url.standardizedFileURL, environmentFile.standardizedFileURL)

        let entry = try XCTUnwrap(fullLibrary().list().first { $0.name == "look" })
        XCTAssertEqual(entry.origin, .environment)
        XCTAssertEqual(
            entry.overrides.map(\.standardizedFileURL.path),
            [userFile, systemFile].map(\.standardizedFileURL.path), "nearest overridden file first")
    }

    func testListFindsPresetFilesOnly() throws {
        try write(system, "only-system.yaml", yaw: 1)
        try write(system, "look.yaml", yaw: 5)
        try write(user, "mine.yml", yaw: 2)
        try write(environment, "look.json", yaw: 15)
        try "not a preset".write(to: user.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try write(user, ".hidden.yaml", yaw: 3)
        let entries = fullLibrary().list()
        XCTAssertEqual(entries.map(\.name), ["look", "mine", "only-system"])
        XCTAssertEqual(entries.map(\.origin), [.environment, .user, .system])
        XCTAssertEqual(entries.map(\.overrides.count), [1, 0, 0])
    }

    func testSameNameInOneDirectoryPrefersYAML() throws {
        let yaml = try write(user, "twin.yaml", yaw: 1)
        let json = try write(user, "twin.json", yaw: 2)
        let entry = try XCTUnwrap(fullLibrary().list().first)
        XCTAssertEqual(entry.url.lastPathComponent, yaml.lastPathComponent)
        XCTAssertEqual(entry.overrides.map(\.lastPathComponent), [json.lastPathComponent])
    }

    func testMissingDirectoriesAreSkipped() throws {
        try write(system, "look.yaml", yaw: 5)
        let library = PresetLibrary(searchDirectories: [(system, .system), (root.appendingPathComponent("absent"), .user)])
        XCTAssertEqual(library.list().map(\.name), ["look"])
    }

    // MARK: - Resolving

    func testPathsLoadTheFile() throws {
        let file = try write(system, "look.yaml", yaw: 5)
        try write(environment, "look.yaml", yaw: 15)
        let preset = try fullLibrary().resolve(file.path, registry: testRegistry())
        XCTAssertEqual(yaw(of: preset), 5, "a path is not looked up by name")
        XCTAssertEqual(preset.origin, .path)
        XCTAssertTrue(PresetLibrary.isPath("look.yaml"))
        XCTAssertTrue(PresetLibrary.isPath("./look"))
        XCTAssertTrue(PresetLibrary.isPath("x.JSON"))
        XCTAssertFalse(PresetLibrary.isPath("look-left"))
        assertHostError(
            { () throws(HostError) in try fullLibrary().resolve(root.appendingPathComponent("none.yaml").path, registry: testRegistry()) },
            code: .presetNotFound, line: nil, column: nil, mentions: ["none.yaml"])
    }

    func testUnknownNameListsNamesAndDirectories() throws {
        try write(system, "look.yaml", yaw: 5)
        try write(user, "mine.yaml", yaw: 2)
        let library = PresetLibrary(searchDirectories: [
            (system, .system), (user, .user),
            (root.appendingPathComponent("gone"), .environment),
        ])
        let error = assertHostError(
            { () throws(HostError) in try library.resolve("nod", registry: testRegistry()) },
            code: .presetNotFound, line: nil, column: nil,
            mentions: [
                "no preset named 'nod'", "expected one of: look, mine",
                system.path, user.path, "(user)", "gone (environment, missing)",
            ])
        // Highest priority first.
        let message = error?.message ?? ""
        XCTAssertLessThan(
            try XCTUnwrap(message.range(of: user.path)).lowerBound,
            try XCTUnwrap(message.range(of: system.path + " ")).lowerBound)
    }

    func testInvalidPresetReportsItsFile() throws {
        let bad = user.appendingPathComponent("broken.yaml")
        try "format: 1\nchain:\n  - effect: direct-edit\n    params: { yaw: 99 }\n".write(to: bad, atomically: true, encoding: .utf8)
        assertHostError(
            { () throws(HostError) in try fullLibrary().resolve("broken", registry: testRegistry()) },
            code: .invalidParameter, file: bad.standardizedFileURL.path, line: 4, column: 20,
            mentions: ["above the maximum 45"])
    }

    // MARK: - Standard search path

    func testStandardSearchPathOrder() throws {
        let library = PresetLibrary.standard(environment: [
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "FACET_PRESET_PATH": "/first:/second::",
            "HOME": "/home/nobody",
        ])
        let directories = library.searchDirectories
        XCTAssertEqual(
            directories.suffix(3).map(\.url.path),
            [user.standardizedFileURL.path, "/second", "/first"], "earlier FACET_PRESET_PATH entries win")
        XCTAssertEqual(directories.suffix(3).map(\.origin), [.user, .environment, .environment])
        XCTAssertEqual(directories.first?.origin, .system)
        XCTAssertTrue(
            directories.contains {
                $0.origin == .system
                    && $0.url.resolvingSymlinksInPath().path
                        == repositoryRoot.appendingPathComponent("Presets").resolvingSymlinksInPath().path
            },
            "a source build finds the repository's Presets/")

        let withoutXDG = PresetLibrary.standard(environment: ["HOME": "/home/nobody"])
        XCTAssertEqual(withoutXDG.searchDirectories.last?.url.path, "/home/nobody/.config/facet/presets")
        XCTAssertEqual(withoutXDG.searchDirectories.last?.origin, .user)
    }

    func testStandardLibraryOverridesShippedPresets() throws {
        let environmentVariables = [
            "XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
            "FACET_PRESET_PATH": environment.path, "HOME": "/home/nobody",
        ]
        let shipped = try PresetLibrary.standard(environment: environmentVariables).resolve("look-left", registry: .builtIn)
        XCTAssertEqual(shipped.origin, .system)

        try write(user, "look-left.yaml", yaw: -7)
        let fromUser = try PresetLibrary.standard(environment: environmentVariables).resolve("look-left", registry: .builtIn)
        XCTAssertEqual(fromUser.origin, .user)
        XCTAssertEqual(yaw(of: fromUser), -7)

        try write(environment, "look-left.yaml", yaw: 3)
        let fromEnvironment = try PresetLibrary.standard(environment: environmentVariables).resolve("look-left", registry: .builtIn)
        XCTAssertEqual(fromEnvironment.origin, .environment)
        XCTAssertEqual(yaw(of: fromEnvironment), 3)
    }
}
