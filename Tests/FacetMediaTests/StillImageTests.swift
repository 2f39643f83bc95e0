import FacetMedia
import Foundation
import XCTest

/// A still picture made into a video, with or without a soundtrack.
final class StillImageTests: XCTestCase {
    func testImageWithDurationMakesFrames() throws {
        let fixtures = try fixtures()
        let image = fixtures.url("still.png")
        XCTAssertTrue(try MediaProbe.probe(image).isStillImage)
        let reader = try VideoReader(url: image, stillImage: StillImageOptions(duration: 2, frameRate: 25))
        XCTAssertEqual(reader.video.estimatedFrameCount, 50)
        let output = try fixtures.scratch().appendingPathComponent("still.mp4")
        let writer = try VideoWriter(
            outputURL: output, video: reader.video, audio: nil,
            settings: EncoderSettings())
        var first: RGBImage? = nil
        while let frame = try reader.nextFrame() {
            if first == nil { first = try frame.rgb }
            try writer.write(frame)
        }
        let report = try writer.finish()
        XCTAssertEqual(report.framesWritten, 50)
        XCTAssertEqual(report.duration, 2, accuracy: 0.001)
        let decoded = try DecodedVideo(output)
        XCTAssertEqual(decoded.times.count, 50)
        XCTAssertEqual(decoded.times.last ?? 0, 49 / 25.0, accuracy: 0.001)
        XCTAssertEqual(decoded.info.video?.averageFrameRate.value ?? 0, 25, accuracy: 0.01)
        // The picture survives (4:2:0 chroma on testsrc2's sharp colour edges limits PSNR to ~28 dB).
        let picture = try XCTUnwrap(first)
        XCTAssertGreaterThan(psnr([picture], [decoded.images[25]]), 25)
        XCTAssertLessThan(psnr([picture], [RGBImage(width: 320, height: 240)]), 12, "not black")
    }

    func testFullRangeJPEGPassesThroughWithoutRangeShift() throws {
        // JPEG decodes to full-range yuvj420p: encoded as is, tagged full range, no RGB round trip.
        let fixtures = try fixtures()
        let image = fixtures.url("still.jpg")
        let reference = try ImageIO.readImage(image)
        let reader = try VideoReader(url: image, stillImage: StillImageOptions(duration: 0.4, frameRate: 25))
        XCTAssertEqual(reader.video.pixelFormat, "yuvj420p")
        let output = try fixtures.scratch().appendingPathComponent("jpeg.mp4")
        let writer = try VideoWriter(outputURL: output, video: reader.video, audio: nil, settings: EncoderSettings())
        while let frame = try reader.nextFrame() { try writer.write(frame) }
        XCTAssertEqual(try writer.finish().framesWritten, 10)
        let decoded = try DecodedVideo(output)
        XCTAssertEqual(decoded.info.video?.colorRange, "pc")
        XCTAssertGreaterThan(psnr([reference], [decoded.images[5]]), 38)
    }

    func testImageWithoutOptionsIsOneFrame() throws {
        let reader = try VideoReader(url: try fixtures().url("still.png"))
        XCTAssertNotNil(try reader.nextFrame())
        XCTAssertNil(try reader.nextFrame())
    }

    func testImagePlusAudioIsAsLongAsTheAudio() throws {
        let fixtures = try fixtures()
        let audioURL = fixtures.url("audio.m4a")
        let audioInfo = try XCTUnwrap(MediaProbe.probe(audioURL).audio)
        let length = try XCTUnwrap(audioInfo.duration)
        XCTAssertEqual(length, 2, accuracy: 0.05)
        let reader = try VideoReader(
            url: fixtures.url("still.png"),
            stillImage: StillImageOptions(duration: length, frameRate: 25))
        let output = try fixtures.scratch().appendingPathComponent("talk.mkv")
        let writer = try VideoWriter(
            outputURL: output, video: reader.video,
            audio: AudioInput(url: audioURL, maxDuration: length),
            settings: EncoderSettings())
        while let frame = try reader.nextFrame() { try writer.write(frame) }
        let report = try writer.finish()
        XCTAssertEqual(report.audio, .copied("aac"))
        XCTAssertEqual(report.duration, length, accuracy: 1 / 25.0)
        let info = try MediaProbe.probe(output)
        XCTAssertEqual(info.duration ?? 0, length, accuracy: 0.05)
        let pcmIn = try AudioDecoder.decodePCM(url: audioURL)
        let pcmOut = try AudioDecoder.decodePCM(url: output)
        XCTAssertEqual(Double(pcmOut.samples.count), Double(pcmIn.samples.count), accuracy: 0.025 * 16000)
    }
}
