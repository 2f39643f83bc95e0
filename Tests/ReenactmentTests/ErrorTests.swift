import FacetSDK
import Reenactment
import XCTest

/// Every refusal names what was wrong and what was expected.
final class ErrorTests: XCTestCase {
    private let driving = Fixture.driver(frames: 30) { t in Fixture.coefficients(yaw: 0.3 * Float(t)) }

    private func failure(
        _ given: [String: Any], driving: DrivingInput?, model: FaceModelDescription? = Fixture.faceModel(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> EffectError? {
        var motion = Fixture.source(frames: 60)
        return Fixture.effectError({ try Fixture.run(given, on: &motion, driving: driving, model: model) }, file: file, line: line)
    }

    private func assertMessage(
        _ error: EffectError?, _ code: EffectError.Code, _ parts: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let error else { return }
        XCTAssertEqual(error.code, code, error.message, file: file, line: line)
        for part in parts { XCTAssertTrue(error.message.contains(part), "«\(part)» not in: \(error.message)", file: file, line: line) }
    }

    func testAnEmptyDriverIsRefusedWhenTheEffectIsCreated() {
        let error = Fixture.effectError { _ = try Reenactment(parameters: try Fixture.parameters([:])) }
        assertMessage(error, .missingInput, ["driver is not set", "`reenactment:driver=talk.mp4`", "`--set driver=talk.mp4`"])
    }

    func testANamedDriverTheHostDidNotProvideIsAMissingInput() {
        assertMessage(
            failure(["driver": "talk.mp4"], driving: nil), .missingInput,
            ["no driving input for driver=talk.mp4", "Facet ≥ 0.8"])
    }

    func testADriverWithoutAFaceIsRefused() {
        let empty = Fixture.driving(Fixture.scene(Fixture.times(30), []))
        assertMessage(failure([:], driving: empty), .missingInput, ["driver talk.mp4 has no face", "showing a face"])
        let blank = Fixture.driving(Fixture.scene(Fixture.times(30), [FaceTrack(id: 0, modelName: Fixture.modelName)]))
        assertMessage(failure([:], driving: blank), .missingInput, ["driver talk.mp4 has no face in any frame", "showing a face"])
    }

    func testADriverFaceTheDriverLacksIsRefused() {
        assertMessage(failure(["driver-face": "id:4"], driving: driving), .invalidParameter, ["driver-face=id:4", "talk.mp4", "ids 0"])
    }

    func testADriverFittedWithAnotherModelIsRefusedNamingBoth() {
        let times = Fixture.times(30)
        let other = Fixture.driving(
            Fixture.scene(times, [Fixture.track(frameTimes: times, model: "bfm09-front") { _ in Fixture.coefficients() }]))
        assertMessage(failure([:], driving: other), .invalidMotion, ["talk.mp4", "bfm09-front", "sfm_3448"])
    }

    func testDriverFaceAllIsRefused() {
        let error = Fixture.effectError {
            _ = try Reenactment(parameters: try Fixture.parameters(["driver": "a.mp4", "driver-face": "all"]))
        }
        assertMessage(error, .invalidParameter, ["driver-face=all", "one driver face drives", "largest, index:N or id:N"])
        let garbled = Fixture.effectError {
            _ = try Reenactment(parameters: try Fixture.parameters(["driver": "a.mp4", "driver-face": "big"]))
        }
        assertMessage(garbled, .invalidParameter, ["driver-face \"big\"", "largest, index:N or id:N"])
    }

    func testReferenceTextAndTimesBeyondTheDriverAreRefused() {
        let text = Fixture.effectError {
            _ = try Reenactment(parameters: try Fixture.parameters(["driver": "a.mp4", "reference": "soon"]))
        }
        assertMessage(text, .invalidParameter, ["reference \"soon\"", "auto, first, or a time in seconds"])
        assertMessage(failure(["reference": "9"], driving: driving), .invalidParameter, ["reference=9 s", "talk.mp4", "1 s long"])
    }

    func testUnknownComponentsListTheAcceptedWords() {
        let error = Fixture.effectError {
            _ = try Reenactment(parameters: try Fixture.parameters(["driver": "a.mp4", "components": "pose,nose"]))
        }
        assertMessage(error, .invalidParameter, ["\"nose\"", "pose, expression, mouth, eyes, brows, all"])
    }

    func testRegionsWithoutTheModelsRegionsAreAMissingInput() {
        assertMessage(failure(["mouth": 0.5], driving: driving, model: nil), .missingInput, ["mouth=0.5", "regions", "no face model"])
        assertMessage(
            failure(["components": "pose,eyes"], driving: driving, model: Fixture.faceModel(regions: false)), .missingInput,
            ["components=pose,eyes", "has no eyes region"])
        // The whole expression needs no region.
        var motion = Fixture.source(frames: 60)
        XCTAssertNoThrow(
            try Fixture.run(["components": "pose,expression"], on: &motion, driving: driving, model: Fixture.faceModel(regions: false)))
    }

    func testAFaceTheVideoLacksIsRefusedLikeDirectEdit() {
        assertMessage(failure(["faces": "id:7"], driving: driving), .invalidParameter, ["faces=id:7", "its faces are 0"])
        assertMessage(failure(["faces": "index:3"], driving: driving), .invalidParameter, ["faces=index:3", "1 face(s)"])
    }

    func testKeyframedSmoothingIsRefused() throws {
        let track = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 0.5)])
        let error = Fixture.effectError { _ = try Reenactment(parameters: try Fixture.parameters(["driver": "a.mp4", "smooth": track])) }
        assertMessage(error, .invalidParameter, ["smooth is keyframed", "constant"])
    }
}
