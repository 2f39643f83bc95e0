import FacetErrors
import Foundation
import XCTest

private enum LowerDomain: ErrorDomain {}
private enum UpperDomain: ErrorDomain {}
private typealias LowerError = FacetError<LowerDomain>
private typealias UpperError = FacetError<UpperDomain>

extension ErrorCode where Domain == LowerDomain {
    fileprivate static var broken: Self { Self("broken") }
}

extension ErrorCode where Domain == UpperDomain {
    fileprivate static var failed: Self { Self("failed") }
    fileprivate static var other: Self { Self("other") }
}

final class ErrorChainTests: XCTestCase {
    func testCauseIsKeptAsAValueAndShownOutermostFirst() {
        let lower = LowerError(.broken, "the header is short", path: "/tmp/x.bin")
        let upper = UpperError(.failed, "could not load the model", cause: lower)
        XCTAssertEqual(upper.description, "could not load the model: /tmp/x.bin: the header is short")
        let kept = upper.cause as? LowerError
        XCTAssertEqual(kept?.code, .broken, "the cause is the lower error itself, not its text")
        XCTAssertEqual(ErrorChain.links(of: upper).count, 2)
    }

    func testLocationComesFirstAndAPathNamedInTheMessageIsNotRepeated() {
        let located = UpperError(.failed, "bad value", at: SourceLocation(file: "p.yaml", line: 3, column: 7))
        XCTAssertEqual(located.description, "p.yaml:3:7: bad value")
        let named = UpperError(.failed, "cannot read /a/b.json", path: "/a/b.json")
        XCTAssertEqual(named.description, "cannot read /a/b.json")
    }

    func testAWrapperAddsItsCodeButNoText() {
        let lower = LowerError(.broken, "no frame decoded", path: "in.mp4")
        let wrapped = UpperError(.other, wrapping: lower)
        XCTAssertEqual(wrapped.code, .other)
        XCTAssertEqual(wrapped.description, "in.mp4: no frame decoded")
    }

    func testFoundationCausesReadAsTheirLocalizedText() {
        let missing = URL(fileURLWithPath: "/nonexistent/facet-\(UUID().uuidString)")
        var cause: (any Error)?
        do { _ = try Data(contentsOf: missing) } catch { cause = error }
        let error = UpperError(.failed, "cannot read", path: missing.path, cause: cause)
        XCTAssertFalse(error.description.contains("Error Domain="), error.description)
        XCTAssertTrue(error.description.hasPrefix("\(missing.path): cannot read: "), error.description)
    }

    func testDecodingErrorsNameTheKeyAndWhere() {
        struct Frame: Decodable { var time: Double }
        struct File: Decodable { var frames: [Frame] }
        var cause: (any Error)?
        do { _ = try JSONDecoder().decode(File.self, from: Data(#"{"frames":[{"time":1},{}]}"#.utf8)) } catch { cause = error }
        let error = UpperError(.failed, "not the expected shape", cause: cause)
        XCTAssertEqual(error.description, #"not the expected shape: missing "time" at frames[1]"#)
    }

    func testOriginIsWhereTheErrorWasMade() {
        let line = #line + 1
        let error = UpperError(.failed, "x")
        XCTAssertEqual(error.origin.line, line)
        XCTAssertTrue(error.origin.fileID.hasSuffix("ErrorChainTests.swift"), error.origin.description)
    }

    func testEqualityComparesTheCauseToo() {
        let a = UpperError(.failed, "x", cause: LowerError(.broken, "one"))
        let b = UpperError(.failed, "x", cause: LowerError(.broken, "two"))
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a, UpperError(.failed, "x", cause: LowerError(.broken, "one")))
    }
}
