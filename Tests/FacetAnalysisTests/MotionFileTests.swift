import FacetSDK
import Foundation
import XCTest

@testable import FacetAnalysis

final class MotionFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("motionfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A two-face, three-frame scene with every optional field filled.
    private func sampleFile() -> MotionFile {
        func frame(_ index: Int, yaw: Float) -> FaceFrame {
            FaceFrame(
                frameIndex: index, time: Double(index) / 25,
                box: FaceBox(x: 10, y: 20, width: 100, height: 120),
                landmarks: (0..<68).map { Point2(x: Float($0), y: Float($0) * 0.5 + Float(index)) },
                coefficients: FaceCoefficients(
                    pose: HeadPose(yaw: yaw, pitch: 0.1, roll: -0.05),
                    translation: Vector3(x: 1, y: -2, z: -600),
                    expression: [0.1, 0, 0.3, 0, 0, 0.02]),
                fitError: 1.25, confidence: 0.9)
        }
        let camera = FaceCamera(projection: .weakPerspective, focalLength: 800, principalPoint: Point2(x: 160, y: 120))
        let tracks = [
            FaceTrack(
                id: 0, modelName: "sfm_3448", expressionBasis: .blendshapes,
                expressionNames: ["anger", "disgust", "fear", "happiness", "sadness", "surprise"],
                identity: [0.5, -0.25], camera: camera, frames: [frame(0, yaw: 0.1), frame(1, yaw: 0.2), frame(2, yaw: 0.3)]),
            FaceTrack(id: 1, modelName: "sfm_3448", identity: [0, 1], camera: camera, frames: [frame(2, yaw: -0.4)]),
        ]
        let motion = SceneMotion(frameTimes: [0, 0.04, 0.08], frameRate: 25, frameWidth: 320, frameHeight: 240, tracks: tracks)
        return MotionFile(
            generator: "facet test", source: .init(path: "in.mp4", width: 320, height: 240, frameCount: 3, frameRate: 25),
            analysis: ["faceModel": "sfm_3448"], motion: motion)
    }

    private func write(_ json: String) throws -> URL {
        let url = directory.appendingPathComponent("m.json")
        try Data(json.utf8).write(to: url)
        return url
    }

    private func assertReadFails(_ url: URL, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try MotionFile.read(from: url), file: file, line: line) { error in
            let text = "\(error)"
            for fragment in fragments {
                XCTAssertTrue(text.contains(fragment), "error \"\(text)\" does not mention \"\(fragment)\"", file: file, line: line)
            }
        }
    }

    /// Mutates the sample's JSON object and returns the file written from it.
    private func writeMutated(_ change: (inout [String: Any]) -> Void) throws -> URL {
        let data = try JSONEncoder().encode(sampleFile())
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        change(&object)
        let url = directory.appendingPathComponent("mutated.json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    func testRoundTripKeepsEveryField() throws {
        let original = sampleFile()
        let url = directory.appendingPathComponent("motion.json")
        try original.write(to: url)
        let read = try MotionFile.read(from: url)
        XCTAssertEqual(read, original)
        XCTAssertEqual(read.motion.tracks[0].camera?.focalLength, 800)
        XCTAssertEqual(read.motion.tracks[1].frames[0].coefficients.pose.yaw, -0.4)
    }

    func testWriteLeavesNoTemporaryFiles() throws {
        try sampleFile().write(to: directory.appendingPathComponent("motion.json"))
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(names, ["motion.json"])
    }

    func testMissingFileIsNamed() {
        let url = directory.appendingPathComponent("absent.json")
        assertReadFails(url, mentions: ["absent.json", "facet analyze"])
    }

    func testForeignJSONIsRefused() throws {
        assertReadFails(try write(#"{"tracks": []}"#), mentions: ["not a motion file", "facet-motion"])
        assertReadFails(try write("not json at all"), mentions: ["not a motion file"])
    }

    func testNewerVersionIsRefusedWithAdvice() throws {
        let url = try writeMutated { $0["version"] = 7 }
        assertReadFails(url, mentions: ["version 7", "newer"])
    }

    func testMissingFieldIsNamed() throws {
        let url = try writeMutated { $0["source"] = ["path": "x"] }
        assertReadFails(url, mentions: ["width"])
    }

    func testFramesOutOfOrderAreRefused() throws {
        var file = sampleFile()
        file.motion.tracks[0].frames.swapAt(0, 2)
        let url = directory.appendingPathComponent("m.json")
        try file.write(to: url)
        assertReadFails(url, mentions: ["track 0", "increasing frameIndex"])
    }

    func testWrongLandmarkCountIsRefused() throws {
        var file = sampleFile()
        file.motion.tracks[1].frames[0].landmarks = [Point2(x: 0, y: 0)]
        let url = directory.appendingPathComponent("m.json")
        try file.write(to: url)
        assertReadFails(url, mentions: ["track 1, frame 2", "1 landmarks", "68"])
    }

    func testExpressionDimensionMustNotVary() throws {
        var file = sampleFile()
        file.motion.tracks[0].frames[1].coefficients.expression = [0.1]
        let url = directory.appendingPathComponent("m.json")
        try file.write(to: url)
        assertReadFails(url, mentions: ["track 0, frame 1", "1 expression coefficients", "expected 6"])
    }

    func testFrameIndexPastTheEndIsRefused() throws {
        var file = sampleFile()
        file.motion.tracks[1].frames[0].frameIndex = 3
        let url = directory.appendingPathComponent("m.json")
        try file.write(to: url)
        assertReadFails(url, mentions: ["past the last frame"])
    }

    func testApplyingToAnotherVideoIsRefused() throws {
        let file = sampleFile()
        XCTAssertNoThrow(try file.checkMatches(width: 320, height: 240, frameCount: 4, videoPath: "v.mp4"))
        XCTAssertThrowsError(try file.checkMatches(width: 640, height: 480, frameCount: 3, videoPath: "v.mp4")) { error in
            XCTAssertTrue("\(error)".contains("320x240"), "\(error)")
            XCTAssertTrue("\(error)".contains("640x480"), "\(error)")
        }
        XCTAssertThrowsError(try file.checkMatches(width: 320, height: 240, frameCount: 300, videoPath: "v.mp4")) { error in
            XCTAssertTrue("\(error)".contains("3 frames"), "\(error)")
        }
    }
}
