import XCTest
@testable import FacetNeural

/// Placeholder until the module's real tests land (replace this file).
final class FacetNeuralSkeletonTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
