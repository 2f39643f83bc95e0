// Shared by the test targets: locating the reference data in ../shared (models, golden tensors,
// sample media), which the repository must not contain.

import Foundation
import XCTest

/// Files from the shared data folder (`../shared` beside the repository, or `$FACET_SHARED_DIR`).
///
/// A test that needs one calls `SharedData.require("models/sfm/sfm_shape_3448.bin")`: when the
/// file is absent the test is skipped with a message naming it, except when `CI=true`, where a
/// missing file fails the test (CI must never pass by skipping).
public enum SharedData {
    /// The shared folder: `$FACET_SHARED_DIR`, else `../shared` beside the package root.
    public static var root: URL {
        if let explicit = ProcessInfo.processInfo.environment["FACET_SHARED_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        // This file is Tests/FacetTestSupport/SharedData.swift: three levels up is the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    /// True when running under CI (`CI=true`), where missing shared files are failures.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The URL of a shared file; skips the test (or fails it under CI) when the file is absent.
    public static func require(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url = root.appendingPathComponent(relativePath)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        let message = "shared file \(relativePath) is not at \(url.path) (set FACET_SHARED_DIR to the shared folder)"
        if isCI { throw FixtureError("CI=true requires it: " + message) }
        throw XCTSkip(message, file: file, line: line)
    }
}
