import FacetHost
import FacetSDK
import Foundation
import XCTest

/// Plugin libraries that are not what they claim: each must be refused with a clear reason,
/// without stopping the other plugins. (Real plugins, the examples of Examples/, are built by
/// `make examples` and loaded by scripts/check-sdk-package.sh, both part of `make test`.)
final class PluginLoaderTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testAFileThatIsNotALibraryIsRefusedByName() throws {
        let directory = try temporaryDirectory()
        let fake = directory.appendingPathComponent("fake.so")
        try "not a shared library".write(to: fake, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PluginLoader.load(library: fake)) { error in
            let error = error as? HostError
            XCTAssertEqual(error?.code, .pluginFailed)
            XCTAssertTrue(error?.message.contains("cannot load plugin \(fake.path)") == true, error?.message ?? "")
        }
    }

    func testALibraryWithoutTheEntrySymbolIsRefused() throws {
        let candidates = ["/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6", "/lib64/libm.so.6"]
        guard let libm = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw XCTSkip("no libm.so.6 at the usual paths")
        }
        XCTAssertThrowsError(try PluginLoader.load(library: URL(fileURLWithPath: libm))) { error in
            XCTAssertTrue((error as? HostError)?.message.contains("has no facet_plugin_entry function") == true, "\(error)")
        }
    }

    func testLoadAllReportsBrokenPluginsAndKeepsGoing() throws {
        let directory = try temporaryDirectory()
        try "junk".write(to: directory.appendingPathComponent("a.so"), atomically: true, encoding: .utf8)
        try "junk".write(to: directory.appendingPathComponent("b.so"), atomically: true, encoding: .utf8)
        try "ignored: not a .so".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = PluginLoader.loadAll(from: [directory, directory.appendingPathComponent("missing")])
        XCTAssertTrue(result.effects.isEmpty)
        XCTAssertEqual(result.errors.count, 2)
        XCTAssertTrue(result.errors.allSatisfy { $0.code == .pluginFailed })
    }

    func testSearchDirectoriesPutTheEnvironmentFirst() {
        let directories = PluginLoader.searchDirectories(environment: ["FACET_PLUGIN_PATH": "/a:/b", "HOME": "/home/u"])
        XCTAssertEqual(Array(directories.prefix(3)).map(\.path), ["/a", "/b", "/home/u/.local/share/facet/plugins"])
        let xdg = PluginLoader.searchDirectories(environment: ["XDG_DATA_HOME": "/x", "HOME": "/home/u"])
        XCTAssertEqual(xdg.first?.path, "/x/facet/plugins")
    }

    func testDuplicateIDsAreRefusedKeepingTheFirst() throws {
        var registry = EffectRegistry.builtIn
        let first = try registry.effect(named: "direct-edit")
        let impostor = EffectFactory(descriptor: first.descriptor, origin: .plugin(URL(fileURLWithPath: "/tmp/x.so"))) { _ in
            throw EffectError(.unsupported, "never made")
        }
        XCTAssertThrowsError(try registry.register(impostor)) { error in
            XCTAssertTrue((error as? HostError)?.message.contains("/tmp/x.so") == true, "\(error)")
        }
        XCTAssertEqual(try registry.effect(named: "direct-edit").origin, .builtIn)
    }
}
