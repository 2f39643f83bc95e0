import FacetMedia
import Foundation
import XCTest

/// Decode -> encode -> decode again, for each output container.
final class RoundTripTests: XCTestCase {
    /// Copies `input` to `output` frame by frame, unmodified; returns the report.
    @discardableResult
    static func transcode(
        _ input: URL, to output: URL, settings: EncoderSettings = EncoderSettings(),
        modify: ((VideoFrame) -> Void)? = nil
    ) throws -> WriteReport {
        let reader = try VideoReader(url: input)
        let writer = try VideoWriter(
            outputURL: output, video: reader.video,
            audio: AudioInput(matching: reader), settings: settings)
        while let frame = try reader.nextFrame() {
            modify?(frame)
            try writer.write(frame)
        }
        return try writer.finish()
    }

    private func checkRoundTrip(extension ext: String) throws {
        let fixtures = try fixtures()
        let input = fixtures.url("base.mp4")
        let output = try fixtures.scratch().appendingPathComponent("out.\(ext)")
        let report = try Self.transcode(input, to: output)
        let original = try DecodedVideo(input)
        let copy = try DecodedVideo(output)

        XCTAssertEqual(report.framesWritten, original.times.count)
        XCTAssertEqual(copy.times.count, original.times.count, "frame count")
        let frameDuration = 1 / 30.0
        XCTAssertEqual(report.duration, 2.0, accuracy: frameDuration)
        XCTAssertEqual(copy.info.duration ?? 0, original.info.duration ?? 0, accuracy: frameDuration)
        for (a, b) in zip(copy.times, original.times) {
            XCTAssertEqual(a, b, accuracy: 0.0011, "frame time")
        }
        let quality = psnr(original.images, copy.images)
        XCTAssertGreaterThanOrEqual(quality, 35, "PSNR at CRF 18")

        XCTAssertEqual(report.audio, .copied("aac"))
        XCTAssertNotNil(copy.info.audio, "output has audio")
        let inAudio = try AudioDecoder.decodePCM(url: input)
        let outAudio = try AudioDecoder.decodePCM(url: output)
        XCTAssertEqual(
            Double(outAudio.samples.count), Double(inAudio.samples.count),
            accuracy: 0.025 * 16000, "audio length")
        XCTAssertEqual(copy.info.video?.averageFrameRate.value ?? 0, 30, accuracy: 0.01)
        XCTAssertEqual(copy.info.video?.width, 320)
        XCTAssertTrue(report.warnings.isEmpty, "\(report.warnings)")
    }

    func testRoundTripMP4() throws { try checkRoundTrip(extension: "mp4") }
    func testRoundTripMOV() throws { try checkRoundTrip(extension: "mov") }
    func testRoundTripMKV() throws { try checkRoundTrip(extension: "mkv") }
}

/// What a round trip must keep besides pixels: aspect ratio, rotation, irregular timestamps.
final class MetadataTests: XCTestCase {
    func testSampleAspectRatioAndRotationKept() throws {
        let fixtures = try fixtures()
        let input = fixtures.url("rotated.mp4")
        let inputInfo = try MediaProbe.probe(input)
        XCTAssertEqual(inputInfo.video?.sampleAspectRatio, Rational(4, 3), "fixture SAR")
        let rotation = try XCTUnwrap(inputInfo.video?.rotation)
        XCTAssertEqual(abs(rotation), 90, "fixture rotation")
        for ext in ["mp4", "mov"] {
            let output = try fixtures.scratch().appendingPathComponent("rotated.\(ext)")
            try RoundTripTests.transcode(input, to: output)
            let video = try XCTUnwrap(MediaProbe.probe(output).video)
            XCTAssertEqual(video.sampleAspectRatio, Rational(4, 3), "SAR in .\(ext)")
            XCTAssertEqual(video.rotation, rotation, "rotation in .\(ext)")
            XCTAssertEqual(video.width, 320, "coded size is not rotated")
        }
        // Matroska keeps the aspect ratio (FFmpeg 5.1 cannot store rotation there; a warning says so).
        let mkv = try fixtures.scratch().appendingPathComponent("rotated.mkv")
        let report = try RoundTripTests.transcode(input, to: mkv)
        XCTAssertEqual(try MediaProbe.probe(mkv).video?.sampleAspectRatio, Rational(4, 3))
        XCTAssertTrue(report.warnings.contains { $0.contains("rotation") }, "\(report.warnings)")
    }

    func testVariableFrameRateTimestampsKept() throws {
        let fixtures = try fixtures()
        let input = fixtures.url("vfr.mkv")
        let original = try DecodedVideo(input, keepImages: false)
        XCTAssertEqual(original.times.count, 60)
        XCTAssertEqual(original.times[21] - original.times[20], 1 / 15.0, accuracy: 0.002, "fixture is VFR")
        let tick = try XCTUnwrap(original.info.video?.timeBase.value)
        for ext in ["mp4", "mkv"] {
            let output = try fixtures.scratch().appendingPathComponent("vfr.\(ext)")
            let report = try RoundTripTests.transcode(input, to: output)
            XCTAssertEqual(report.audio, AudioHandling.none)
            let copy = try DecodedVideo(output, keepImages: false)
            XCTAssertEqual(copy.times.count, original.times.count, ".\(ext) frame count")
            for (index, (a, b)) in zip(copy.times, original.times).enumerated() {
                XCTAssertEqual(a, b, accuracy: tick * 1.01, ".\(ext) frame \(index) time")
            }
        }
    }
}

/// Frames changed with `replaceImage` are what gets encoded.
final class ModifiedFrameTests: XCTestCase {
    func testReplacedImagesAreEncoded() throws {
        let fixtures = try fixtures()
        let output = try fixtures.scratch().appendingPathComponent("orange.mp4")
        let orange = RGBImage(width: 320, height: 240, red: 230, green: 120, blue: 30)
        var modified = 0
        try RoundTripTests.transcode(fixtures.url("base.mp4"), to: output) { frame in
            if frame.index % 2 == 0 {
                frame.replaceImage(orange)
                XCTAssertTrue(frame.isModified)
                XCTAssertEqual(try? frame.rgb, orange)
                modified += 1
            } else {
                XCTAssertFalse(frame.isModified)
            }
        }
        let decoded = try DecodedVideo(output)
        XCTAssertEqual(decoded.images.count, 60)
        XCTAssertEqual(modified, 30)
        for (index, image) in decoded.images.enumerated() {
            let (red, green, blue) = image[160, 120]
            let isOrange = abs(Int(red) - 230) <= 4 && abs(Int(green) - 120) <= 4 && abs(Int(blue) - 30) <= 4
            XCTAssertEqual(isOrange, index % 2 == 0, "frame \(index) is (\(red), \(green), \(blue))")
            if index % 2 == 0 {
                XCTAssertGreaterThanOrEqual(psnr([image], [orange]), 35, "frame \(index) is solid orange")
            }
        }
    }
}
