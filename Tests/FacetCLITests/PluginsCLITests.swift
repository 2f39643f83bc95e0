import FacetTestSupport
import Foundation
import XCTest

/// `facet plugins` through the built binary, on the C fixture plugin (Tests/Fixtures/BrokenPlugin).
final class PluginsCLITests: XCTestCase {
    private func build(_ variants: [CPluginFixture.Variant]) throws -> (directory: URL, libraries: [CPluginFixture.Variant: URL]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-plugins-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return (directory, try CPluginFixture.build(variants, into: directory))
    }

    func testCheckPassesTheGoodPluginAndFailsACrashingOneWithTheSignal() throws {
        let built = try build([.good, .crash])
        let good = try CommandRunner.facet("plugins", "check", built.libraries[.good]!.path)
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertTrue(good.stdout.contains("PASS identity: plugin_id 'com.example.broken' is a reverse-DNS id"), good.stdout)
        XCTAssertTrue(good.stdout.contains("\npassed: "), good.stdout)

        let crash = try CommandRunner.facet("plugins", "check", built.libraries[.crash]!.path)
        XCTAssertEqual(crash.status, 1, crash.stdout + crash.stderr)
        XCTAssertTrue(
            crash.stdout.contains(
                "FAIL com.example.broken.pass: crashed the process with SIGSEGV (signal 11) while running defaults, one face"),
            crash.stdout)
        XCTAssertTrue(crash.stdout.contains("\nFAILED: "), crash.stdout)
    }

    func testCheckWritesJSON() throws {
        let built = try build([.framesChanged])
        let result = try CommandRunner.facet("plugins", "check", "--json", built.libraries[.framesChanged]!.path)
        XCTAssertEqual(result.status, 1)
        struct Report: Decodable {
            struct Line: Decodable { var status: String; var subject: String; var message: String }
            var pluginID: String?
            var lines: [Line]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(report.pluginID, "com.example.broken")
        XCTAssertTrue(report.lines.contains { $0.status == "FAIL" && $0.message.contains("changed the frame times") }, result.stdout)
    }

    func testInfoAndListShowTheTablesIdentityAndTheEffects() throws {
        let built = try build([.good, .wrongABIMajor])
        let info = try CommandRunner.facet("plugins", "info", built.libraries[.good]!.path)
        XCTAssertEqual(info.status, 0, info.stderr)
        for words in [
            "plugin id: com.example.broken", "version: 1.0.0", "ABI: 1.4", "com.example.broken.pass 1.0.0 — Hands the motion back",
            "temporal access: per frame", "strength   number  0.5      0 … 1",
        ] {
            XCTAssertTrue(info.stdout.contains(words), "\(words) not in:\n\(info.stdout)")
        }
        let list = try CommandRunner.facet("plugins", "list", environment: ["FACET_PLUGIN_PATH": built.directory.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("1. \(built.directory.path)"), list.stdout)
        XCTAssertTrue(list.stdout.contains("libbroken-good.so  com.example.broken 1.0.0  ABI 1.4"), list.stdout)
        XCTAssertTrue(list.stdout.contains("effects: com.example.broken.pass"), list.stdout)
        XCTAssertTrue(list.stdout.contains("speaks plugin API version 2 but this host speaks 1"), list.stdout)
    }

    func testInfoAndListWriteJSONWithTheDescriptorsInTheirWireFormat() throws {
        let built = try build([.good, .wrongABIMajor])
        struct Library: Decodable {
            struct Effect: Decodable {
                struct Parameter: Decodable { var name: String; var minimum: Double?; var maximum: Double? }
                var id: String
                var parameters: [Parameter]
            }
            var library: String
            var id: String?
            var version: String?
            var apiVersion: UInt32
            var apiMinor: UInt32?
            var effects: [Effect]
        }
        let info = try CommandRunner.facet("plugins", "info", "--json", built.libraries[.good]!.path)
        XCTAssertEqual(info.status, 0, info.stderr)
        let library = try JSONDecoder().decode(Library.self, from: Data(info.stdout.utf8))
        XCTAssertEqual(library.library, built.libraries[.good]!.path)
        XCTAssertEqual(library.id, "com.example.broken")
        XCTAssertEqual(library.version, "1.0.0")
        XCTAssertEqual(library.apiVersion, 1)
        XCTAssertEqual(library.apiMinor, 4)
        XCTAssertEqual(library.effects.first?.id, "com.example.broken.pass")
        let strength = library.effects.first?.parameters.first { $0.name == "strength" }
        XCTAssertEqual(strength?.minimum, 0)
        XCTAssertEqual(strength?.maximum, 1)

        struct List: Decodable {
            struct Directory: Decodable { var path: String; var exists: Bool; var plugins: [Library]; var errors: [String] }
            var problems: [String]
            var directories: [Directory]
        }
        let list = try CommandRunner.facet("plugins", "list", "--json", environment: ["FACET_PLUGIN_PATH": built.directory.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        let listed = try JSONDecoder().decode(List.self, from: Data(list.stdout.utf8))
        let first = try XCTUnwrap(listed.directories.first)
        XCTAssertEqual(first.path, built.directory.path)
        XCTAssertTrue(first.exists)
        XCTAssertEqual(first.plugins.map(\.id), ["com.example.broken"])
        XCTAssertEqual(first.errors.count, 1, "the wrong-major library is an error, not a plugin")
        XCTAssertTrue(first.errors.first?.contains("speaks plugin API version 2 but this host speaks 1") ?? false, "\(first.errors)")
    }
}
