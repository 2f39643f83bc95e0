import FacetSDK
import Reenactment
import XCTest

/// Several invocations in one chain, and the plausibility clamp.
final class ChainTests: XCTestCase {
    func testTwoInvocationsWithTheirOwnFacesAndDriversEachDriveOnlyTheirTrack() throws {
        let times = Fixture.times(60)
        let before = Fixture.scene(
            times,
            [
                Fixture.track(id: 0, frameTimes: times, centerX: 500) { _ in Fixture.coefficients() },
                Fixture.track(id: 1, frameTimes: times, centerX: 120) { _ in Fixture.coefficients() },
            ])
        let turning = Fixture.driver(frames: 60, name: "a.mp4") { t in Fixture.coefficients(yaw: 0.2 * Float(t)) }
        let nodding = Fixture.driver(frames: 60, name: "b.mp4") { t in Fixture.coefficients(pitch: 0.1 * Float(t)) }
        var motion = before
        // index:0 is the leftmost face: track 1.
        try Fixture.run(["faces": "index:0", "reference": "first"], on: &motion, driving: turning)
        try Fixture.run(["faces": "index:1", "reference": "first"], on: &motion, driving: nodding)
        let left = motion.tracks[1].frames[30].coefficients.pose
        let right = motion.tracks[0].frames[30].coefficients.pose
        XCTAssertEqual(left.yaw, 0.2, accuracy: 1e-6)
        XCTAssertEqual(left.pitch, 0)
        XCTAssertEqual(right.yaw, 0)
        XCTAssertEqual(right.pitch, 0.1, accuracy: 1e-6)
        XCTAssertEqual(motion.frameTimes, before.frameTimes)
        XCTAssertEqual(motion.tracks.map { $0.frames.map(\.frameIndex) }, before.tracks.map { $0.frames.map(\.frameIndex) })
    }

    func testClampingWarnsOncePerLimitWithACount() throws {
        // The driver turns 46° from its reference; the source already looks 29° away: 75° > 50°.
        let turning = Fixture.driver(frames: 60) { t in Fixture.coefficients(yaw: t < 0.5 ? 0 : 0.8) }
        var motion = Fixture.source(frames: 60) { _ in Fixture.coefficients(yaw: 0.5) }
        let warnings = try Fixture.run(["reference": "first"], on: &motion, driving: turning)
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].contains("yaw") && warnings[0].contains("in 45 face-frame(s)"), warnings[0])
        XCTAssertEqual(motion.tracks[0].frames[59].coefficients.pose.yaw, 50 * .pi / 180, accuracy: 1e-6)
        XCTAssertEqual(motion.tracks[0].frames[0].coefficients.pose.yaw, 0.5, accuracy: 1e-6)
    }
}
