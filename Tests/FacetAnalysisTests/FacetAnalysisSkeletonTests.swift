import XCTest
@testable import FacetAnalysis

/// Placeholder until the module's real tests land (replace this file).
final class FacetAnalysisSkeletonTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
