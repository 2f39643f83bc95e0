import FacetHost
import FacetSDK
import XCTest

final class VersionRequirementTests: XCTestCase {
    func testMatching() throws {
        let table: [(String, EffectVersion, Bool)] = [
            ("0.1", EffectVersion(0, 1, 5), true),
            ("0.1", EffectVersion(0, 2, 0), false),
            ("^0.1", EffectVersion(0, 1, 0), true),
            ("^0.0.3", EffectVersion(0, 0, 3), true),
            ("^0.0.3", EffectVersion(0, 0, 4), false),
            ("^1.2", EffectVersion(1, 9, 0), true),
            ("^1.2", EffectVersion(1, 1, 9), false),
            ("^1.2", EffectVersion(2, 0, 0), false),
            ("~1.2", EffectVersion(1, 2, 9), true),
            ("~1.2", EffectVersion(1, 3, 0), false),
            ("~1", EffectVersion(1, 9, 0), true),
            ("=1.2", EffectVersion(1, 2, 7), true),
            ("=1.2", EffectVersion(1, 3, 0), false),
            ("=1.2.3", EffectVersion(1, 2, 3), true),
            (">=0.1", EffectVersion(0, 0, 9), false),
            (">=0.1", EffectVersion(3, 0, 0), true),
            (">1", EffectVersion(1, 0, 1), true),
            (">1", EffectVersion(1, 0, 0), false),
            ("<2", EffectVersion(2, 0, 0), false),
            ("<=2", EffectVersion(2, 0, 0), true),
            (">=1, <2", EffectVersion(1, 5, 0), true),
            (">=1, <2", EffectVersion(2, 0, 0), false),
        ]
        for (text, version, expected) in table {
            let requirement = try XCTUnwrap(VersionRequirement(parsing: text), text)
            XCTAssertEqual(requirement.isSatisfied(by: version), expected, "\(text) vs \(version)")
        }
    }

    func testInvalidRequirements() {
        for text in ["", "x", "1.2.3.4", ">=", "1..2", "^-1", ">=1,", "1.a", "≥1"] {
            XCTAssertNil(VersionRequirement(parsing: text), text)
        }
    }

    func testCanonicalDescription() {
        XCTAssertEqual(VersionRequirement(parsing: "0.1")?.description, "^0.1")
        XCTAssertEqual(VersionRequirement(parsing: " >= 1 , < 2 ")?.description, ">=1,<2")
        XCTAssertEqual(VersionRequirement(parsing: "0.1"), VersionRequirement(parsing: "^0.1"))
    }
}
