import FacetAnalysis
import FacetHost
import FacetMedia
import FacetMorphableModel
import FacetRender
import FacetSDK
import FacetTestSupport
import Foundation
import XCTest

/// An edit must not harm what it does not edit: an empty edit reproduces the input, an edit
/// leaves everything outside the head alone, and a constant edit of a still does not flicker.
final class DoNoHarmTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-no-harm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private static let sharedAnalyzer = Result { try FaceAnalyzer(configuration: AnalysisConfiguration()) }

    /// Applies `chain` to `input` with analysis and the geometric renderer.
    private func apply(_ chain: String, to input: URL, name: String, stillDuration: Double? = nil) throws -> (URL, SceneMotion?) {
        let analyzer = try Self.sharedAnalyzer.get()
        let output = directory.appendingPathComponent("\(name).mp4")
        let effects = chain.isEmpty ? EffectChain.empty : try ChainParser.parse(chain, registry: .builtIn)
        var pipeline = Pipeline()
        let source = FaceAnalysisSource(analyzer: analyzer)
        if !chain.isEmpty {
            pipeline.motionSource = source
            pipeline.renderer = GeometricRenderer(model: analyzer.model)
            pipeline.faceModel = analyzer.model.effectDescription()
        }
        _ = try pipeline.apply(
            ApplyRequest(
                input: input, output: output, chain: effects, stillDuration: stillDuration,
                stillFrameRate: 25, overwrite: true))
        return (output, source.lastResult?.motion)
    }

    /// Every frame's planes as luma (full frame) for comparison.
    private func lumaFrames(_ url: URL) throws -> [[UInt8]] {
        let reader = try VideoReader(url: url)
        var frames: [[UInt8]] = []
        while let frame = try reader.nextFrame() { frames.append(try frame.luma()) }
        return frames
    }

    private func psnr(_ a: [UInt8], _ b: [UInt8], where include: (Int) -> Bool = { _ in true }) -> Double {
        var sum = 0.0, count = 0
        for index in a.indices where include(index) {
            let difference = Double(a[index]) - Double(b[index])
            sum += difference * difference
            count += 1
        }
        guard count > 0, sum > 0 else { return .infinity }
        return 10 * log10(255 * 255 / (sum / Double(count)))
    }

    private func stillVideo(seconds: Double) throws -> URL {
        let portrait = try SharedData.require("media/astronaut.png")
        let url = directory.appendingPathComponent("still.mp4")
        try FFmpegCLI.run(
            [
                "-loop", "1", "-i", portrait.path, "-t", String(seconds), "-r", "25", "-c:v", "libx264",
                "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", url.path,
            ], in: directory)
        return url
    }

    func testAnEditThatChangesNothingReproducesThePlainReencode() throws {
        let input = try stillVideo(seconds: 0.4)
        let (plain, _) = try apply("", to: input, name: "plain")
        let (empty, motion) = try apply("direct-edit:yaw=0", to: input, name: "empty")
        XCTAssertEqual(motion?.tracks.count, 1, "the face was analysed, so the renderer had a face to leave alone")
        let plainFrames = try lumaFrames(plain), emptyFrames = try lumaFrames(empty)
        XCTAssertEqual(plainFrames.count, emptyFrames.count)
        for (a, b) in zip(plainFrames, emptyFrames) {
            XCTAssertGreaterThanOrEqual(psnr(a, b), 40, "an empty edit is the plain re-encode within codec noise")
        }
    }

    func testAnEditLeavesEveryPixelOutsideTheHeadRegionUnchanged() throws {
        let portrait = try SharedData.require("media/astronaut.png")
        let analyzer = try Self.sharedAnalyzer.get()
        let motion = try analyzer.analyze(portrait, stillImage: StillImageOptions(duration: 0.04, frameRate: 25)).motion
        let track = try XCTUnwrap(motion.tracks.first)
        var edited = motion
        for index in edited.tracks[0].frames.indices {
            edited.tracks[0].frames[index].coefficients.pose.yaw += 15 * .pi / 180
            edited.tracks[0].frames[index].coefficients.pose.pitch += 5 * .pi / 180
        }
        let reader = try VideoReader(url: portrait, stillImage: StillImageOptions(duration: 0.04, frameRate: 25))
        let frame = try XCTUnwrap(try reader.nextFrame())
        let before = try frame.rgb
        var renderer = GeometricRenderer(model: analyzer.model)
        try renderer.render(frame, source: motion, edited: edited)
        let after = try frame.rgb
        let flow = try renderer.flow(
            identity: track.identity, camera: try XCTUnwrap(track.camera),
            source: track.frames[0].coefficients, edited: edited.tracks[0].frames[0].coefficients,
            frameWidth: frame.width, frameHeight: frame.height)
        var changedInside = 0, changedOutside = 0
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let offset = 3 * (y * frame.width + x)
                let changed = before.pixels[offset..<offset + 3] != after.pixels[offset..<offset + 3]
                guard changed else { continue }
                if flow.isInHeadRegion(x: x, y: y) { changedInside += 1 } else { changedOutside += 1 }
            }
        }
        XCTAssertGreaterThan(changedInside, 5000, "the edit did change the head")
        XCTAssertEqual(changedOutside, 0, "no pixel outside the head region changed")
        // The head region is bounded: the frame's corners and most of its border are outside it.
        XCTAssertFalse(flow.isInHeadRegion(x: 0, y: 0))
        XCTAssertFalse(flow.isInHeadRegion(x: frame.width - 1, y: frame.height - 1))
    }

    func testAConstantEditOfAStillDoesNotFlicker() throws {
        let seconds = ProcessInfo.processInfo.environment["FACET_STABILITY_SECONDS"].flatMap(Double.init) ?? 3
        let input = try stillVideo(seconds: seconds)
        let (edited, motion) = try apply("direct-edit:yaw=12:smile=0.4", to: input, name: "constant")
        let box = try XCTUnwrap(motion?.tracks.first?.frames.first?.box)
        let inputFrames = try lumaFrames(input), outputFrames = try lumaFrames(edited)
        let width = motion?.frameWidth ?? 0
        // The face region: the detected box, grown by half its size (hair and jaw move too).
        let x0 = max(0, Int(box.x - box.width / 2)), x1 = min(width, Int(box.x + 1.5 * box.width))
        let y0 = max(0, Int(box.y - box.height / 2)), y1 = min(motion?.frameHeight ?? 0, Int(box.y + 1.5 * box.height))
        func meanFrameToFrame(_ frames: [[UInt8]]) -> Double {
            var total = 0.0, count = 0
            for (a, b) in zip(frames, frames.dropFirst()) {
                for y in y0..<y1 {
                    for x in x0..<x1 { total += abs(Double(a[y * width + x]) - Double(b[y * width + x])); count += 1 }
                }
            }
            return count > 0 ? total / Double(count) : 0
        }
        let inputDifference = meanFrameToFrame(inputFrames), outputDifference = meanFrameToFrame(outputFrames)
        print(
            String(
                format: "stability over %.0f s: face-region frame-to-frame mean |Δluma| input %.3f, edited output %.3f",
                seconds, inputDifference, outputDifference))
        XCTAssertLessThan(
            outputDifference, 1.5 * inputDifference + 0.25,
            "the edited face changes from frame to frame no more than codec noise does")
    }
}
