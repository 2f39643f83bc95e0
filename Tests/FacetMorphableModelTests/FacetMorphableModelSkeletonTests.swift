import XCTest
@testable import FacetMorphableModel

/// Placeholder until the module's real tests land (replace this file).
final class FacetMorphableModelSkeletonTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
