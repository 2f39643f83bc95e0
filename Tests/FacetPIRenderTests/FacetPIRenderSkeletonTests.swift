import XCTest
@testable import FacetPIRender

/// Placeholder until the module's real tests land (replace this file).
final class FacetPIRenderSkeletonTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
