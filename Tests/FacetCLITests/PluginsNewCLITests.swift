import Foundation
import XCTest

/// `facet plugins new` as a plugin author meets it: the package it writes, and what it refuses.
/// (scripts/check-newcomer-path.sh builds, tests and loads such a package.)
final class PluginsNewCLITests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private func files(under url: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: url.path)
        var result: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                result.append(path)
            }
        }
        return result.sorted()
    }

    func testItWritesAPackageDependingOnTheCheckoutByPath() throws {
        let package = directory.appendingPathComponent("soft-tilt")
        let result = try CommandRunner.facet("plugins", "new", "soft-tilt", "-o", package.path, "--facet", Self.root.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            files(under: package),
            [
                ".gitignore", "Package.swift", "README.md", "Sources/SoftTilt/SoftTilt.swift", "Sources/SoftTiltPlugin/Export.swift",
                "Tests/SoftTiltTests/SoftTiltTests.swift",
            ])
        let manifest = try String(contentsOf: package.appendingPathComponent("Package.swift"), encoding: .utf8)
        XCTAssertTrue(manifest.contains(".package(name: \"Facet\", path: \"\(Self.root.standardizedFileURL.path)\")"), manifest)
        XCTAssertTrue(manifest.contains(".library(name: \"SoftTiltPlugin\", type: .dynamic"), manifest)
        let effect = try String(contentsOf: package.appendingPathComponent("Sources/SoftTilt/SoftTilt.swift"), encoding: .utf8)
        XCTAssertTrue(effect.contains("public struct SoftTilt: PerFrameFaceEffect"), effect)
        XCTAssertTrue(effect.contains("id: \"com.example.soft-tilt\""), effect)
        XCTAssertTrue(result.stdout.contains("facet effects soft-tilt"), "says what to do next: \(result.stdout)")
    }

    func testAnExistingNonEmptyDirectoryIsRefusedAndLeftAlone() throws {
        let taken = directory.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: true)
        try "mine".write(to: taken.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = try CommandRunner.facet("plugins", "new", "tilt", "-o", taken.path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("\(taken.path) already exists and is not empty"), result.stderr)
        XCTAssertEqual(files(under: taken), ["notes.txt"])

        // An empty directory is fine: it is where the package goes.
        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try CommandRunner.facet("plugins", "new", "tilt", "-o", empty.path).status, 0)
        XCTAssertTrue(files(under: empty).contains("Package.swift"))
    }

    func testBadNamesAndCheckoutsAreRefusedWithWhatIsExpected() throws {
        for name in ["Tilt", "soft_tilt", "2tilt", "soft--tilt", "tilt-", ""] {
            let result = try CommandRunner.facet("plugins", "new", name, "-o", directory.appendingPathComponent("x").path)
            XCTAssertEqual(result.status, 1, name)
            XCTAssertTrue(result.stderr.contains("expected lower-case letters and digits in words joined by single '-'"), result.stderr)
        }
        let clash = try CommandRunner.facet("plugins", "new", "foundation", "-o", directory.appendingPathComponent("x").path)
        XCTAssertTrue(clash.stderr.contains("would make a module named Foundation"), clash.stderr)
        let notFacet = try CommandRunner.facet(
            "plugins", "new", "tilt", "--facet", directory.path, "-o", directory.appendingPathComponent("x").path)
        XCTAssertEqual(notFacet.status, 1)
        XCTAssertTrue(
            notFacet.stderr.contains("is not a Facet checkout; expected a directory with Package.swift and Sources/FacetSDK"),
            notFacet.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x").path), "nothing is written")
    }
}
