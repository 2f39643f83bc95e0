import FacetAnalysis
import FacetMedia
import FacetTestSupport
import Foundation
import XCTest

/// Videos for the tracking and smoothing tests, made once per run with the ffmpeg tool from the
/// shared astronaut portrait (512x512; dlib finds its face as an 88 px box at (179, 83)).
final class TrackingFixtures: @unchecked Sendable {
    /// The shared instance (made on first use).
    static let shared: Result<TrackingFixtures, any Error> = Result { try TrackingFixtures() }

    /// The fixtures, or the error that prevented making them (a skip when shared data is absent).
    static func require() throws -> TrackingFixtures { try shared.get() }

    let directory: URL
    nonisolated(unsafe) private static var cleanupPath: String? = nil

    private init() throws {
        let astronaut = try SharedData.require("media/astronaut.png").path
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("facet-tracking-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        Self.cleanupPath = directory.path
        atexit {
            if let path = TrackingFixtures.cleanupPath { try? FileManager.default.removeItem(atPath: path) }
        }
        let x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        // No face: a test pattern, 2 s at 25 fps.
        try run(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2"] + x264 + ["noface.mp4"])
        // Two faces: the portrait beside its mirror image (1024x512), 1 s at 25 fps.
        try run(
            [
                "-loop", "1", "-framerate", "25", "-t", "1", "-i", astronaut,
                "-filter_complex", "[0]split[a][b];[b]hflip[c];[a][c]hstack",
            ] + x264 + ["two.mp4"])
        // Enter and leave: black for 1 s, the portrait for 1 s (frames 25–49), black for 1 s.
        try run(
            [
                "-f", "lavfi", "-i", "color=black:size=512x512:rate=25:duration=3",
                "-loop", "1", "-framerate", "25", "-i", astronaut,
                "-filter_complex", "[0][1]overlay=enable='gte(t,1)*lt(t,2)':shortest=1",
            ] + x264 + ["enterleave.mp4"])
        // A face that comes back: black, face (frames 13–24), black, face (frames 38–49); 25 fps.
        try run(
            [
                "-f", "lavfi", "-i", "color=black:size=512x512:rate=25:duration=2",
                "-loop", "1", "-framerate", "25", "-i", astronaut,
                "-filter_complex", "[0][1]overlay=enable='between(n,13,24)+between(n,38,49)':shortest=1",
            ] + x264
                + ["comeback.mp4"])
        // The face slides left out of the frame: x = -8 px per frame, 60 frames (ends ~480 px left).
        try run(
            [
                "-f", "lavfi", "-i", "color=gray:size=512x512:rate=25:duration=2.4",
                "-loop", "1", "-framerate", "25", "-i", astronaut,
                "-filter_complex", "[0][1]overlay=x='-8*n':y=0:shortest=1",
            ] + x264 + ["edge.mp4"])
        // The portrait (450 px) swaying on a 640x360 canvas, 3 s at 30 fps: the badges on the
        // suit below the face look like faces to the HOG detector (scores ~0.1).
        try run(
            [
                "-f", "lavfi", "-i", "color=gray:size=640x360:rate=30:duration=3",
                "-loop", "1", "-framerate", "30", "-i", astronaut,
                "-filter_complex", "[1]scale=450:450[a];[0][a]overlay=x='95+100*sin(2*PI*t/4)':y='-30+15*sin(2*PI*t/3)':shortest=1",
            ]
                + x264 + ["sway.mp4"])
        // A still photo as a 10 s video (x264's default quality: realistic coding noise).
        try run([
            "-loop", "1", "-framerate", "25", "-t", "10", "-i", astronaut, "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "still.mp4",
        ])
        // The same with temporal sensor-like noise (std ~6 gray levels, new on every frame).
        try run([
            "-loop", "1", "-framerate", "25", "-t", "10", "-i", astronaut, "-vf", "noise=alls=10:allf=t",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "still-noisy.mp4",
        ])
    }

    private func run(_ arguments: [String]) throws {
        try FFmpegCLI.run(arguments, in: directory)
    }

    /// A fixture file.
    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// Runs a tracker over every frame of `url` and returns its tracks and the frame count.
func trackVideo(_ url: URL, configuration: FaceTracker.Configuration = FaceTracker.Configuration()) throws
    -> (tracks: [LandmarkTrack], frames: Int, tracker: FaceTracker)
{
    let tracker = try FaceTracker(configuration: configuration, predictor: TestModels.predictor())
    let reader = try VideoReader(url: url)
    var frames = 0
    while let frame = try reader.nextFrame() {
        try tracker.process(frame)
        frames += 1
    }
    return (try tracker.finish(), frames, tracker)
}
