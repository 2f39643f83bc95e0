import FacetRender
import FacetSDK
import XCTest

final class PassThroughRendererTests: XCTestCase {
    func testSummaryNamesTheRenderer() {
        XCTAssertEqual(PassThroughRenderer().summary, "pass-through")
    }
}
