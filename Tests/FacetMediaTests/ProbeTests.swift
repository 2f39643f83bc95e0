import FacetMedia
import Foundation
import XCTest

/// `MediaProbe`, `AudioDecoder` and `ImageIO`.
final class ProbeTests: XCTestCase {
    func testProbeDescribesStreams() throws {
        let info = try MediaProbe.probe(try fixtures().url("base.mp4"))
        XCTAssertTrue(info.formatName.contains("mp4"))
        XCTAssertEqual(info.duration ?? 0, 2, accuracy: 0.05)
        XCTAssertFalse(info.isStillImage)
        XCTAssertEqual(info.streams.map(\.kind), [.video, .audio])
        let video = try XCTUnwrap(info.video)
        XCTAssertEqual(video.codecName, "h264")
        XCTAssertEqual(video.width, 320)
        XCTAssertEqual(video.height, 240)
        XCTAssertEqual(video.pixelFormat, "yuv420p")
        XCTAssertEqual(video.realFrameRate, Rational(30, 1))
        XCTAssertEqual(video.averageFrameRate, Rational(30, 1))
        XCTAssertEqual(video.estimatedFrameCount, 60)
        XCTAssertFalse(video.isVariableFrameRate)
        XCTAssertEqual(video.rotation, 0)
        let audio = try XCTUnwrap(info.audio)
        XCTAssertEqual(audio.codecName, "aac")
        XCTAssertEqual(audio.sampleRate, 44100)
        XCTAssertEqual(audio.channels, 1)
        XCTAssertEqual(audio.channelLayout, "mono")
        XCTAssertEqual(audio.sampleFormat, "fltp")
    }

    func testProbeJSONCarriesRationalsAsTextAndNumber() throws {
        let info = try MediaProbe.probe(try fixtures().url("rotated.mp4"))
        let data = try JSONEncoder().encode(info)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""text":"30\/1""#), text)
        XCTAssertTrue(text.contains(#""text":"4\/3""#), text)
        XCTAssertTrue(text.contains(#""rotation":90"#) || text.contains(#""rotation":-90"#), text)
        let decoded = try JSONDecoder().decode(MediaInfo.self, from: data)
        XCTAssertEqual(decoded.video, info.video)
    }

    func testStillImageIsRecognised() throws {
        let info = try MediaProbe.probe(try fixtures().url("still.png"))
        XCTAssertTrue(info.isStillImage)
        XCTAssertEqual(info.video?.codecName, "png")
        XCTAssertEqual(info.video?.estimatedFrameCount, 1)
    }

    func testVariableFrameRateIsFlagged() throws {
        // MP4 knows the frame count, so avg_frame_rate (frames / duration) differs from r_frame_rate.
        let video = try XCTUnwrap(MediaProbe.probe(try fixtures().url("vfr.mp4")).video)
        XCTAssertTrue(video.isVariableFrameRate, "r \(video.realFrameRate) avg \(video.averageFrameRate)")
    }

    func testDecodePCM() throws {
        let fixtures = try fixtures()
        let pcm = try AudioDecoder.decodePCM(url: fixtures.url("base.mp4"), sampleRate: 16000)
        XCTAssertEqual(pcm.sampleRate, 16000)
        XCTAssertEqual(Double(pcm.samples.count), 32000, accuracy: 400)
        XCTAssertEqual(pcm.startTime, 0, accuracy: 0.03)
        // A 440 Hz sine: count zero crossings over one second.
        let second = pcm.samples[8000..<24000]
        let crossings = zip(second, second.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        XCTAssertEqual(Double(crossings), 880, accuracy: 10)
        XCTAssertGreaterThan(second.map(abs).max() ?? 0, 0.05)

        let error = assertMediaError(.noAudioStream) {
            try AudioDecoder.decodePCM(url: fixtures.url("vfr.mkv"))
        }
        XCTAssertTrue(error?.message.contains("video h264") ?? false, "\(String(describing: error))")
    }

    func testPNGWriteAndReadBackIsExact() throws {
        let fixtures = try fixtures()
        var image = RGBImage(width: 33, height: 17)
        for y in 0..<17 {
            for x in 0..<33 { image[x, y] = (UInt8(x * 7), UInt8(y * 15), UInt8((x + y) % 256)) }
        }
        let url = try fixtures.scratch().appendingPathComponent("sheet.png")
        try ImageIO.writePNG(image, to: url)
        XCTAssertEqual(try ImageIO.readImage(url), image)
        XCTAssertEqual(try ImageIO.readImage(fixtures.url("still.png")).width, 320)
    }
}
