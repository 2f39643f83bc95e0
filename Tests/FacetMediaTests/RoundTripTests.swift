import FacetMedia
import Foundation
import XCTest

/// Decode -> encode -> decode again, for each output container.
final class RoundTripTests: XCTestCase {
    /// Copies `input` to `output` frame by frame, unmodified; returns the report.
    @discardableResult
    static func transcode(_ input: URL, to output: URL, settings: EncoderSettings = EncoderSettings(),
                          modify: ((VideoFrame) -> Void)? = nil) throws -> WriteReport {
        let reader = try VideoReader(url: input)
        let writer = try VideoWriter(outputURL: output, video: reader.video,
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
        XCTAssertEqual(Double(outAudio.samples.count), Double(inAudio.samples.count),
                       accuracy: 0.025 * 16000, "audio length")
        XCTAssertEqual(copy.info.video?.averageFrameRate.value ?? 0, 30, accuracy: 0.01)
        XCTAssertEqual(copy.info.video?.width, 320)
        XCTAssertTrue(report.warnings.isEmpty, "\(report.warnings)")
    }

    func testRoundTripMP4() throws { try checkRoundTrip(extension: "mp4") }
    func testRoundTripMOV() throws { try checkRoundTrip(extension: "mov") }
    func testRoundTripMKV() throws { try checkRoundTrip(extension: "mkv") }
}
