import XCTest

@testable import FacetSDK

final class KeyframeTests: XCTestCase {
    /// Each row: easing, progress in, expected eased progress (computed by hand from the formulas).
    func testEasingCurves() {
        let rows: [(Easing, Double, Double)] = [
            (.linear, 0.25, 0.25), (.linear, 1, 1),
            (.hold, 0.0, 0), (.hold, 0.99, 0), (.hold, 1, 1),
            (.easeIn, 0.5, 0.25), (.easeIn, 0.1, 0.01),
            (.easeOut, 0.5, 0.75), (.easeOut, 0.1, 0.19),
            (.easeInOut, 0.5, 0.5), (.easeInOut, 0.25, 0.15625), (.easeInOut, 0.75, 0.84375),
            (.linear, -1, 0), (.easeIn, 2, 1),
        ]
        for (easing, u, expected) in rows {
            XCTAssertEqual(easing.apply(u), expected, accuracy: 1e-12, "\(easing) at \(u)")
        }
    }

    func testTrackInterpolatesBetweenKeyframesAndHoldsOutside() throws {
        let track = try KeyframeTrack([
            Keyframe(time: 1, value: 10),
            Keyframe(time: 3, value: 30, easing: .hold),
            Keyframe(time: 5, value: -10, easing: .easeInOut),
            Keyframe(time: 7, value: 10),
        ])
        let rows: [(Double, Double)] = [
            (0, 10), (1, 10), (2, 20), (2.5, 25),  // linear segment 1 → 3
            (3, 30), (4.9, 30), (5, -10),  // hold segment 3 → 5 jumps at 5
            (6, 0), (5.5, -10 + 20 * 0.15625),  // smoothstep segment 5 → 7
            (7, 10), (100, 10),
        ]
        for (time, expected) in rows {
            XCTAssertEqual(track.value(at: time), expected, accuracy: 1e-9, "t = \(time)")
        }
        XCTAssertEqual(track.endTime, 7)
    }

    func testTrackRejectsBadKeyframeLists() {
        XCTAssertThrowsError(try KeyframeTrack([])) { error in
            XCTAssertEqual((error as? EffectError)?.code, .invalidKeyframes)
        }
        XCTAssertThrowsError(try KeyframeTrack([Keyframe(time: 1, value: 0), Keyframe(time: 1, value: 2)])) { error in
            let message = (error as? EffectError)?.message ?? ""
            XCTAssertTrue(message.contains("keyframe 2"), message)
            XCTAssertTrue(message.contains("strictly increasing"), message)
        }
        XCTAssertThrowsError(try KeyframeTrack([Keyframe(time: 2, value: 0), Keyframe(time: 1, value: 2)]))
        XCTAssertThrowsError(try KeyframeTrack([Keyframe(time: 0, value: .nan)]))
    }
}
