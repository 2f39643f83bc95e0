// The host's driving-input service: a file named by an effect's driving-input parameter is
// analysed with the source's model, cached by content, refused with a clear message when it
// cannot drive, and handed to the effect; a still source becomes as long as its driver.

import FacetAnalysis
import FacetHost
import FacetMedia
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// An effect that only reports the driving input it was given (as a warning) and changes nothing.
private struct DriverProbe: FaceEffect {
    static let driver = DrivingInputParameter("driver", "The face to report.")
    static let descriptor = EffectDescriptor(
        id: "org.facet.test.driver-probe", version: EffectVersion(1), summary: "Reports its driver.", parameters: [driver],
        temporalAccess: .wholeSequence, inputs: [.drivingAudio])
    init(parameters: EffectParameters) throws {}
    func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        guard let input = context.drivingInput(for: Self.driver) else { return context.warn("no driver") }
        context.warn(
            "driver \(input.fileName) \(input.kind.rawValue) frames \(input.motion.frameCount) faces \(input.motion.tracks.count) audio \(input.audio?.samples.count ?? 0)"
        )
    }
}

final class DrivingInputTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-driving-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func analysis() throws -> FaceAnalysisSource {
        var options = AnalysisOptions()
        options.modelsDirectory = try SharedData.require("models/sfm").deletingLastPathComponent()
        return FaceAnalysisSource(configuration: options.configuration)
    }

    func testTheCacheKeyFollowsTheContentAndTheSettings() throws {
        let file = directory.appendingPathComponent("a.bin")
        try Data("one".utf8).write(to: file)
        let first = try DrivingMotionCache.key(of: file, settings: ["faceModel": "sfm_3448"])
        XCTAssertEqual(first, try DrivingMotionCache.key(of: file, settings: ["faceModel": "sfm_3448"]))
        XCTAssertNotEqual(first, try DrivingMotionCache.key(of: file, settings: ["faceModel": "bfm"]))
        try Data("two".utf8).write(to: file)
        XCTAssertNotEqual(first, try DrivingMotionCache.key(of: file, settings: ["faceModel": "sfm_3448"]))
        // A damaged entry is not served; it is removed so that the next run rewrites it.
        let cache = DrivingMotionCache(directory: directory.appendingPathComponent("cache"))
        try FileManager.default.createDirectory(at: cache.directory, withIntermediateDirectories: true)
        try Data("{\"format\": \"facet-motion\"".utf8).write(to: cache.entry(for: first))
        XCTAssertNil(cache.motion(for: first))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.entry(for: first).path))
    }

    func testADriverIsAnalysedOnceThenServedFromTheCache() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let cache = DrivingMotionCache(directory: directory.appendingPathComponent("cache"))
        let first = AnalysedDrivingInputs(analysis: try analysis(), cache: cache)
        let analysed = try first.drivingInput(portrait, withAudio: false)
        XCTAssertEqual(analysed.kind, .still)
        XCTAssertEqual(analysed.motion.frameCount, 1, "a still drives with one frame")
        XCTAssertEqual(analysed.motion.tracks.count, 1)
        XCTAssertEqual(first.reports.map(\.fromCache), [false])
        XCTAssertGreaterThan(first.reports[0].analysisSeconds, 0)

        let second = AnalysedDrivingInputs(analysis: try analysis(), cache: cache)
        let cached = try second.drivingInput(portrait, withAudio: false)
        XCTAssertEqual(second.reports.map(\.fromCache), [true], "the second run must not analyse again")
        XCTAssertEqual(second.reports[0].analysisSeconds, 0)
        XCTAssertEqual(cached.motion, analysed.motion)
    }

    func testDriversThatCannotDriveAreRefusedNamingTheFile() throws {
        let provider = AnalysedDrivingInputs(analysis: try analysis(), cache: nil)
        func message(_ url: URL) -> String {
            do {
                _ = try provider.drivingInput(url, withAudio: false)
                return "no error"
            } catch {
                return ErrorChain.describe(error)
            }
        }
        let missing = directory.appendingPathComponent("talk.mp4")
        XCTAssertTrue(message(missing).contains("driver \(missing.path) does not exist"), message(missing))
        XCTAssertTrue(message(directory).contains("is a directory"), message(directory))
        let text = directory.appendingPathComponent("notes.txt")
        try Data("not a video".utf8).write(to: text)
        XCTAssertTrue(message(text).contains("is not a video, image or motion file"), message(text))
        let noFace = directory.appendingPathComponent("pattern.mp4")
        try FFmpegCLI.run(
            ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", noFace.path],
            in: directory)
        XCTAssertTrue(message(noFace).contains("has no face"), message(noFace))
        // A motion file fitted with another face model: both models are named.
        let track = FaceTrack(
            id: 0, modelName: "bfm09-front", expressionBasis: .pca,
            frames: [FaceFrame(frameIndex: 0, time: 0, coefficients: FaceCoefficients(translation: Vector3(z: -600)))])
        let foreign = directory.appendingPathComponent("other.motion.json")
        try MotionFile(
            generator: "test", source: .init(path: "x.mp4", width: 64, height: 64, frameCount: 1, frameRate: 25),
            motion: SceneMotion(frameTimes: [0], frameRate: 25, frameWidth: 64, frameHeight: 64, tracks: [track])
        ).write(to: foreign)
        let refusal = message(foreign)
        XCTAssertTrue(refusal.contains("bfm09-front") && refusal.contains("sfm_3448"), refusal)
    }

    func testAStillSourceBecomesAsLongAsItsDriverWithTheDriversAudio() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        // A 2 s driver at 25 fps with a tone: the portrait itself, as a video with sound.
        let driver = directory.appendingPathComponent("talk.mp4")
        try FFmpegCLI.run(
            [
                "-loop", "1", "-i", portrait.path, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "2",
                "-r", "25", "-vf", "scale=256:256", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                driver.path,
            ], in: directory)
        var registry = EffectRegistry.builtIn
        try registry.register(DriverProbe.self)
        let chain = try ChainParser.parse("driver-probe:driver=\(driver.path)", registry: registry)
        var options = PipelineOptions()
        options.analysis.modelsDirectory = try SharedData.require("models/sfm").deletingLastPathComponent()
        options.renderer = .geometric
        options.drivingCache = .directory(directory.appendingPathComponent("cache"))
        var composed = try PipelineFactory.make(options, for: chain)
        let output = directory.appendingPathComponent("out.mp4")
        let report = try composed.pipeline.apply(ApplyRequest(input: portrait, output: output, chain: chain, stillFrameRate: 25))
        XCTAssertEqual(report.frames, 50, "the still lasts as long as its 2 s driver")
        XCTAssertNotEqual(report.audio, "none", "the driver's audio is the soundtrack")
        XCTAssertEqual(report.audioDuration ?? 0, 2, accuracy: 0.1)
        XCTAssertEqual(report.drivers.map(\.kind), [.video])
        let probe = report.warnings.first { $0.contains("driver talk.mp4") } ?? "no probe warning: \(report.warnings)"
        XCTAssertTrue(probe.contains("video frames 50 faces 1"), probe)
        XCTAssertTrue(probe.contains("audio 32"), "the effect asked for the driver's audio (2 s at 16 kHz): \(probe)")
    }
}
