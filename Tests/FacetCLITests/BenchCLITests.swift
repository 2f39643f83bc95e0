import Foundation
import XCTest

/// `facet bench quality` as a user meets it on bad input: a clear message, a failing exit code.
final class BenchCLITests: XCTestCase {
    func testAMissingPhotographIsNamed() throws {
        let result = try CommandRunner.facet("bench", "quality", "/nonexistent/faces")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("/nonexistent/faces does not exist"), result.stderr)
    }

    func testAFolderWithoutPhotographsIsNamed() throws {
        let directory = try makeTemporaryDirectory(self)
        try Data("not a photo".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let result = try CommandRunner.facet("bench", "quality", directory.path)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("holds no .jpg, .jpeg or .png photographs"), result.stderr)
    }

    func testAMalformedEditListIsExplained() throws {
        let directory = try makeTemporaryDirectory(self)
        let result = try CommandRunner.facet("bench", "quality", directory.path, "--edits", "yaw:15")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\"yaw:15\" is not parameter=number"), result.stderr)
    }
}
