import FacetHost
import FacetMedia
import FacetRender
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// The whole pipeline on real encoded media, with motion supplied by the test (no analysis).
final class PipelineTests: XCTestCase {
    /// Supplies one face whose box covers the frame, present from frame 10 on.
    struct SuppliedMotion: MotionSource {
        func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
            let fps = info.video?.frameRate ?? 25
            let count = info.video?.estimatedFrameCount ?? 0
            let frames = (10..<count).map { index in
                FaceFrame(
                    frameIndex: index, time: Double(index) / fps, box: FaceBox(x: 0, y: 0, width: 64, height: 64),
                    coefficients: FaceCoefficients(translation: Vector3(x: 0, y: 0, z: -600), expression: [0, 0]))
            }
            return SceneMotion(
                frameTimes: (0..<count).map { Double($0) / fps }, frameRate: fps, frameWidth: 64,
                frameHeight: 48, tracks: [FaceTrack(id: 0, modelName: "test", frames: frames)])
        }
        var summary: String { "supplied by the test" }
    }

    /// Counts how often analysis ran.
    final class CountingMotionSource: MotionSource {
        var calls = 0
        func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
            calls += 1
            return try NoFaceAnalysis().motion(for: input, info: info, stillImage: stillImage)
        }
        var summary: String { "counting" }
    }

    /// Paints a frame solid red where the edited yaw differs from the source; records what it saw.
    final class RecordingRenderer: FrameRenderer {
        var renderedFrames: [Int] = []
        var editedYawDegrees: [Int: Float] = [:]
        func render(_ frame: VideoFrame, source: SceneMotion, edited: SceneMotion) throws {
            guard let position = edited.tracks[0].position(ofFrame: frame.index) else { return }
            let yaw = edited.tracks[0].frames[position].coefficients.pose.yaw
            guard yaw != source.tracks[0].frames[position].coefficients.pose.yaw else { return }
            renderedFrames.append(frame.index)
            editedYawDegrees[frame.index] = yaw * 180 / .pi
            var image = RGBImage(width: frame.width, height: frame.height)
            for pixel in stride(from: 0, to: image.pixels.count, by: 3) { image.pixels[pixel] = 255 }
            frame.replaceImage(image)
        }
        var summary: String { "recording" }
    }

    private func makeVideo(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("in.mp4")
        try FFmpegCLI.run(
            [
                "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", url.path,
            ], in: directory)
        return url
    }

    func testChainRunsOnSuppliedMotionAndTheRendererEditsOnlyChangedFrames() throws {
        // In memory: 50 frames of 64x48 at 25 fps, no file and no ffmpeg.
        let media = InMemoryMedia()
        let input = URL(fileURLWithPath: "/memory/in.mp4"), output = URL(fileURLWithPath: "/memory/out.mp4")
        media.addInput(input, pictures: InMemoryMedia.rampPictures(count: 50))

        // yaw keyframed: 0 until 1 s, then 10 degrees (hold) — frames 0–24 unchanged, 25–49 edited.
        let chain = try ChainParser.parse("direct-edit:yaw=0@0~hold,10@1", registry: .builtIn)
        let renderer = RecordingRenderer()
        var pipeline = Pipeline(motionSource: SuppliedMotion(), renderer: renderer, media: media)
        let report = try pipeline.apply(ApplyRequest(input: input, output: output, chain: chain))

        XCTAssertEqual(report.frames, 50)
        XCTAssertEqual(report.faces, 1)
        XCTAssertEqual(renderer.renderedFrames, Array(25..<50))
        XCTAssertEqual(renderer.editedYawDegrees[30] ?? 0, 10, accuracy: 1e-4)

        let written = try XCTUnwrap(media.output(output))
        XCTAssertEqual(written.pictures.count, 50)
        XCTAssertEqual(written.times[30], 30.0 / 25, accuracy: 1e-6, "frame times are kept")
        for (index, image) in written.pictures.enumerated() {
            let centre = (image.height / 2 * image.width + image.width / 2) * 3
            let isRed = image.pixels[centre] > 200 && image.pixels[centre + 1] < 60 && image.pixels[centre + 2] < 60
            XCTAssertEqual(isRed, index >= 25, "frame \(index)")
            if !isRed { XCTAssertEqual(image.pixels[centre], UInt8(40 + index), "frame \(index) passes through unchanged") }
        }
    }

    func testInvalidRequestsFailBeforeAnythingIsWritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let input = try makeVideo(in: directory)
        let analysis = CountingMotionSource()
        var pipeline = Pipeline(motionSource: analysis)
        var oddSize = EncoderSettings()
        oddSize.pixelFormat = .yuv420p
        let oddInput = directory.appendingPathComponent("odd.mkv")
        try FFmpegCLI.run(
            ["-f", "lavfi", "-i", "testsrc=size=175x143:rate=25:duration=0.2", "-c:v", "ffv1", oddInput.path],
            in: directory)

        let rows: [(ApplyRequest, HostError.Code, String)] = [
            (ApplyRequest(input: input, output: URL(fileURLWithPath: "/proc/facet-test.mp4")), .media, "cannot create files"),
            (ApplyRequest(input: input, output: directory.appendingPathComponent("missing/out.mp4")), .media, "does not exist"),
            (ApplyRequest(input: input, output: directory.appendingPathComponent("out.avi")), .media, "must be one of"),
            (
                ApplyRequest(input: input, output: directory.appendingPathComponent("c.mp4"), encoder: EncoderSettings(crf: 60)),
                .media, "CRF"
            ),
            (ApplyRequest(input: oddInput, output: directory.appendingPathComponent("d.mp4"), encoder: oddSize), .media, "175x143"),
            (
                ApplyRequest(input: directory.appendingPathComponent("missing.mp4"), output: directory.appendingPathComponent("a.mp4")),
                .io, "missing.mp4 does not exist"
            ),
            (ApplyRequest(input: input, output: input, overwrite: true), .invalidArguments, "is the input itself"),
            (ApplyRequest(input: directory, output: directory.appendingPathComponent("b.mp4")), .io, "is a directory"),
            (ApplyRequest(input: input, output: directory), .invalidArguments, "is a directory"),
        ]
        for (request, code, words) in rows {
            XCTAssertThrowsError(try pipeline.apply(request)) { error in
                guard let error = error as? HostError else { return XCTFail("not a HostError: \(error)") }
                XCTAssertEqual(error.code, code, "\(error)")
                XCTAssertTrue(error.description.contains(words), error.description)
            }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["in.mp4", "odd.mkv"])
        XCTAssertEqual(analysis.calls, 0, "every check happens before analysis")
    }

    func testCancellationStopsTheRunAndLeavesNoOutput() throws {
        let media = InMemoryMedia()
        let input = URL(fileURLWithPath: "/memory/in.mp4"), output = URL(fileURLWithPath: "/memory/o.mkv")
        media.addInput(input, pictures: InMemoryMedia.rampPictures(count: 50))

        final class CancelAfterFive: ProgressObserver {
            let flag: CancellationFlag
            init(flag: CancellationFlag) { self.flag = flag }
            func started(totalFrames: Int?) {}
            func advanced(framesDone: Int) { if framesDone == 5 { flag.cancel() } }
            func finished() {}
        }
        let flag = CancellationFlag()
        var pipeline = Pipeline(media: media)
        XCTAssertThrowsError(
            try pipeline.apply(
                ApplyRequest(input: input, output: output),
                progress: CancelAfterFive(flag: flag), cancellation: flag)
        ) { error in
            XCTAssertEqual((error as? HostError)?.code, .cancelled)
        }
        XCTAssertEqual(media.outputNames, [], "a cancelled output is never finished")
    }
}

/// Motion is range-checked at the host's boundaries: what a motion source and every effect hand
/// on must describe a face (MotionLimits), or the run stops naming where it is wrong.
final class MotionBoundaryTests: XCTestCase {
    /// Sets expression[0] of every frame to 10³⁰: what a broken plugin could produce.
    struct Exploding: FaceEffect {
        static let descriptor = EffectDescriptor(
            id: "org.facet.test.exploding", version: EffectVersion(1), summary: "breaks motion",
            parameters: [])
        init(parameters: EffectParameters) throws {}
        func process(_ motion: inout SceneMotion, context: EffectContext) throws {
            for track in motion.tracks.indices {
                for frame in motion.tracks[track].frames.indices { motion.tracks[track].frames[frame].coefficients.expression[0] = 1e30 }
            }
        }
    }

    /// Supplies one face at the camera (z = 0): motion no fit can produce.
    struct AtTheCamera: MotionSource {
        func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
            var motion = try PipelineTests.SuppliedMotion().motion(for: input, info: info, stillImage: stillImage)
            motion.tracks[0].frames[2].coefficients.translation.z = 0
            return motion
        }
        var summary: String { "at the camera" }
    }

    /// Runs `chain` on 25 in-memory frames with `source`'s motion; the error and the outputs finished.
    private func run(_ source: any MotionSource, chain: EffectChain) throws -> (HostError?, [String]) {
        let media = InMemoryMedia()
        let input = URL(fileURLWithPath: "/memory/in.mp4")
        media.addInput(input, pictures: InMemoryMedia.rampPictures(count: 25))
        let request = ApplyRequest(input: input, output: URL(fileURLWithPath: "/memory/out.mp4"), chain: chain)
        let caught = Self.failure {
            var pipeline = Pipeline(motionSource: source, renderer: PipelineTests.RecordingRenderer(), media: media)
            _ = try pipeline.apply(request)
        }
        return (caught, media.outputNames)
    }

    /// The host error `body` throws, if any.
    private static func failure(_ body: () throws -> Void) -> HostError? {
        do { try body() } catch { return error as? HostError }
        return nil
    }

    func testAnEffectProducingImpossibleMotionIsNamed() throws {
        var registry = EffectRegistry.builtIn
        try registry.register(Exploding.self)
        let chain = try ChainParser.parse("direct-edit:yaw=5 | exploding", registry: registry)
        let (error, left) = try run(PipelineTests.SuppliedMotion(), chain: chain)
        XCTAssertEqual(error?.code, .effectFailed)
        XCTAssertTrue(
            error?.description.contains(
                "effect org.facet.test.exploding produced motion out of range: track 0, frame 10: expression[0] is 1e+30") == true,
            error?.message ?? "no error")
        XCTAssertEqual(left, [])
    }

    func testImpossibleMotionFromTheSourceIsNamed() throws {
        let (error, left) = try run(AtTheCamera(), chain: try ChainParser.parse("direct-edit:yaw=5", registry: .builtIn))
        XCTAssertEqual(error?.code, .analysisFailed)
        XCTAssertTrue(
            error?.description.contains("(at the camera) is out of range: track 0, frame 12: translation.z is 0.0") == true,
            error?.message ?? "no error")
        XCTAssertEqual(left, [])
    }
}
