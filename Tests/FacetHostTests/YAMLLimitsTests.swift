import FacetHost
import XCTest

/// `YAMLLimits`: the one-pass measure that keeps hostile YAML away from the recursive parser.
final class YAMLLimitsTests: XCTestCase {
    private let limits = YAMLLimits.standard

    func testEveryShippedPresetIsWithinTheLimits() throws {
        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Presets")
        let names = try FileManager.default.contentsOfDirectory(atPath: presets.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let text = try String(contentsOf: presets.appendingPathComponent(name), encoding: .utf8)
            XCTAssertNil(limits.violation(in: text), name)
        }
    }

    func testFlowNestingIsCountedWithItsPlace() {
        let deep = "a:\n  b: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n"
        let violation = limits.violation(in: deep)
        XCTAssertEqual(violation?.line, 2)
        XCTAssertEqual(violation?.column, 6 + 63 - 1, "the bracket that passes 64 levels (two block levels before it)")
        XCTAssertNil(limits.violation(in: "a: " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "\n"))
    }

    func testBlockIndentationAndEntryMarkersCount() {
        var indented = ""
        for level in 0..<70 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        XCTAssertEqual(limits.violation(in: indented)?.line, 65)
        let dashes = String(repeating: "- ", count: 70) + "x\n"
        XCTAssertNotNil(limits.violation(in: dashes))
        XCTAssertNil(limits.violation(in: String(repeating: "- ", count: 10) + "x\n"))
    }

    func testBracketsInQuotesCommentsAndBlockScalarsDoNotCount() {
        let text = """
            summary: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
            other: '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'  # [[[[
            notes: |
              [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
            after: [1, [2, [3]]]
            """
        XCTAssertNil(limits.violation(in: text))
    }

    func testSizeIsLimited() {
        var small = YAMLLimits()
        small.maximumBytes = 100
        XCTAssertTrue(small.violation(in: String(repeating: "a", count: 101))?.message.contains("101 bytes") == true)
        XCTAssertNil(small.violation(in: String(repeating: "a", count: 100)))
    }
}
