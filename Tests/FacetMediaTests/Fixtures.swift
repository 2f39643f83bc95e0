import FacetMedia
import FacetTestSupport
import Foundation
import XCTest

/// Test inputs, generated once per run into a temporary directory.
final class Fixtures: @unchecked Sendable {
    /// The shared instance (generated on first use).
    static let shared: Result<Fixtures, any Error> = Result { try Fixtures() }

    let directory: URL
    /// Deleted when the test process exits.
    nonisolated(unsafe) private static var cleanupPath: String? = nil

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("facet-media-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        Self.cleanupPath = directory.path
        atexit {
            if let path = Fixtures.cleanupPath { try? FileManager.default.removeItem(atPath: path) }
        }
        let video = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2"]
        let sine = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100"]
        let x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p"]
        // 320x240, 2 s, 30 fps H.264 + 440 Hz AAC, square pixels.
        try run(video + sine + x264 + ["-c:a", "aac", "-b:a", "96k", "base.mp4"])
        // Non-square pixels (SAR 4:3) and a 90 degree rotation in the display matrix.
        try run(video + sine + x264 + ["-vf", "setsar=4/3", "-c:a", "aac", "-b:a", "96k", "sar.mp4"])
        try run(["-i", "sar.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", "rotated.mp4"])
        // Variable frame rate: 20 frames at 30 fps, then 15 fps.
        try run(
            video + x264 + [
                "-vf", "setpts='if(lt(N,20),N/30,20/30+(N-20)/15)/TB'",
                "-fps_mode", "passthrough", "vfr.mkv",
            ])
        try run(["-i", "vfr.mkv", "-c", "copy", "vfr.mp4"])
        // The same in Matroska, and an all-intra variant (damage stays local to the frames hit).
        try run(["-i", "base.mp4", "-c", "copy", "base.mkv"])
        try run(video + ["-c:v", "libx264", "-preset", "ultrafast", "-g", "1", "-pix_fmt", "yuv420p", "intra.mkv"])
        // PCM audio in Matroska (MP4 cannot hold it) and a still image.
        try run(video + sine + x264 + ["-c:a", "pcm_s16le", "pcm.mkv"])
        try run(
            video + ["-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=48000"]
                + x264 + ["-c:a", "libopus", "opus.mkv"])
        try run(["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "still.png"])
        try run(["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-q:v", "2", "still.jpg"])
        try run(sine + ["-c:a", "aac", "audio.m4a"])
        // Odd size, only possible as 4:4:4 (testsrc, since testsrc2 rounds sizes down to even).
        try run(
            ["-f", "lavfi", "-i", "testsrc=size=175x143:rate=30:duration=1"]
                + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "odd.mp4"])
    }

    private func run(_ arguments: [String]) throws {
        try FFmpegCLI.run(arguments, in: directory)
    }

    /// A file in the fixture directory.
    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A fresh, empty directory for one test's outputs.
    func scratch(_ name: String = #function) throws -> URL {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let url = directory.appendingPathComponent("out-\(clean)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Everything a test compares about one decoded video.
struct DecodedVideo {
    var info: MediaInfo
    var times: [Double]
    var images: [RGBImage]
    var damage: DecodeDamage

    /// Decodes every frame of `url` (small files only: keeps all images).
    init(_ url: URL, keepImages: Bool = true) throws {
        let reader = try VideoReader(url: url)
        info = reader.info
        times = []
        images = []
        while let frame = try reader.nextFrame() {
            times.append(frame.time)
            if keepImages { images.append(try frame.rgb) }
        }
        damage = reader.damage
    }
}

/// Peak signal-to-noise ratio in dB over all bytes of two equally sized image lists.
func psnr(_ a: [RGBImage], _ b: [RGBImage]) -> Double {
    precondition(a.count == b.count)
    var sum = 0.0
    var count = 0
    for (x, y) in zip(a, b) {
        precondition(x.pixels.count == y.pixels.count)
        for i in 0..<x.pixels.count {
            let d = Double(Int(x.pixels[i]) - Int(y.pixels[i]))
            sum += d * d
        }
        count += x.pixels.count
    }
    let mse = sum / Double(max(count, 1))
    return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
}

extension XCTestCase {
    /// The shared fixtures, or a clear failure (e.g. when ffmpeg is missing).
    func fixtures(file: StaticString = #filePath, line: UInt = #line) throws -> Fixtures {
        switch Fixtures.shared {
        case .success(let fixtures): return fixtures
        case .failure(let error):
            XCTFail("could not generate test media: \(error)", file: file, line: line)
            throw error
        }
    }

    /// Runs `body`, which must throw a `MediaError` with `code`; returns that error.
    @discardableResult
    func assertMediaError<T>(
        _ code: MediaError.Code, file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> T
    ) -> MediaError? {
        do {
            _ = try body()
            XCTFail("expected MediaError \(code), but nothing was thrown", file: file, line: line)
        } catch let error as MediaError {
            XCTAssertEqual(error.code, code, "wrong code; error: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected MediaError \(code), got \(error)", file: file, line: line)
        }
        return nil
    }
}
