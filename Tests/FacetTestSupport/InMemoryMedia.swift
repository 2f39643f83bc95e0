// Frames in memory for pipeline and chain tests: an input is a list of pictures, an output a list
// of the pictures written. No file is read or written and the `ffmpeg` tool is not needed.

import FacetHost
import FacetMedia
import FacetSDK
import Foundation

/// A `MediaBackend` whose inputs are pictures held in memory and whose outputs are captured.
public final class InMemoryMedia: MediaBackend, @unchecked Sendable {
    /// An input: its pictures and frame rate.
    public struct Input {
        /// One picture per frame, all the same size.
        public var pictures: [RGBImage]
        /// Frames per second.
        public var frameRate: Double
    }

    /// What a finished output holds.
    public struct Output {
        /// The pictures written, in order (the renderer's result for edited frames).
        public var pictures: [RGBImage]
        /// The frame times written.
        public var times: [Double]
    }

    // One test thread at a time uses a backend; outputs are appended under `lock` anyway.
    private let lock = NSLock()
    private var inputs: [String: Input] = [:]
    private var finished: [String: Output] = [:]

    /// An empty backend.
    public init() {}

    /// Registers `pictures` as the input named `url` (a path that need not exist).
    public func addInput(_ url: URL, pictures: [RGBImage], frameRate: Double = 25) {
        lock.lock(); defer { lock.unlock() }
        inputs[url.path] = Input(pictures: pictures, frameRate: frameRate)
    }

    /// `count` frames of `width` x `height`, each a flat grey that brightens by one level a frame.
    public static func rampPictures(count: Int, width: Int = 64, height: Int = 48) -> [RGBImage] {
        (0..<count).map { index in
            let level = UInt8(clamping: 40 + index)
            return RGBImage(width: width, height: height, pixels: [UInt8](repeating: level, count: width * height * 3))
        }
    }

    /// The finished output written to `url`, if any (a cancelled one is never here).
    public func output(_ url: URL) -> Output? {
        lock.lock(); defer { lock.unlock() }
        return finished[url.path]
    }

    /// The names of the finished outputs.
    public var outputNames: [String] {
        lock.lock(); defer { lock.unlock() }
        return finished.keys.sorted()
    }

    // MARK: - MediaBackend

    public func checkInput(_ input: URL, audio: URL?) throws(HostError) {
        guard self.input(input) != nil else { throw HostError(.io, "input \(input.path) does not exist; expected a video or image file") }
        if let audio { throw HostError(.io, "audio file \(audio.path) does not exist (in-memory inputs have no audio)") }
    }

    public func checkOutput(_ output: URL) throws {}

    public func probe(_ url: URL) throws -> MediaInfo {
        guard let input = input(url), let first = input.pictures.first else {
            throw MediaError(.fileNotFound, "no in-memory input", path: url.path)
        }
        return .inMemory(
            path: url.path, width: first.width, height: first.height, frameRate: input.frameRate,
            frameCount: input.pictures.count)
    }

    public func openFrames(_ url: URL, stillImage: StillImageOptions?) throws -> any FrameSource {
        let info = try probe(url)
        return PictureSource(pictures: input(url)!.pictures, frameRate: input(url)!.frameRate, video: info.video!)
    }

    public func openOutput(
        _ url: URL, video: VideoStreamInfo, soundtrack: SoundtrackChoice?, alongside source: any FrameSource,
        settings: EncoderSettings
    ) throws -> any FrameSink {
        PictureSink(url: url) { [weak self] output in
            guard let self else { return }
            self.lock.lock(); self.finished[url.path] = output; self.lock.unlock()
        }
    }

    public func decodeAudio(_ url: URL, sampleRate: Int) throws -> AudioClip {
        throw MediaError(.noAudioStream, "in-memory inputs have no audio", path: url.path)
    }

    private func input(_ url: URL) -> Input? {
        lock.lock(); defer { lock.unlock() }
        return inputs[url.path]
    }
}

/// Hands out in-memory pictures as frames.
private final class PictureSource: FrameSource {
    let video: VideoStreamInfo
    private let pictures: [RGBImage]
    private let frameRate: Double
    private var next = 0

    init(pictures: [RGBImage], frameRate: Double, video: VideoStreamInfo) {
        self.pictures = pictures
        self.frameRate = frameRate
        self.video = video
    }

    func nextFrame() throws -> VideoFrame? {
        guard next < pictures.count else { return nil }
        defer { next += 1 }
        return VideoFrame(index: next, time: Double(next) / frameRate, image: pictures[next])
    }

    var damageMessages: [String] { [] }
}

/// Collects written frames; hands them over only when finished.
private final class PictureSink: FrameSink {
    private let url: URL
    private let done: (InMemoryMedia.Output) -> Void
    private var output = InMemoryMedia.Output(pictures: [], times: [])

    init(url: URL, done: @escaping (InMemoryMedia.Output) -> Void) {
        self.url = url
        self.done = done
    }

    func write(_ frame: VideoFrame) throws {
        output.pictures.append(try frame.rgb)
        output.times.append(frame.time)
    }

    func finish() throws -> WriteReport {
        done(output)
        let duration = output.times.count > 1 ? output.times.last! + (output.times[1] - output.times[0]) : 0
        return WriteReport(
            outputURL: url, framesWritten: output.pictures.count, duration: duration, pixelFormat: .auto,
            audio: .none, audioDuration: nil, warnings: [])
    }

    func cancel() { output = InMemoryMedia.Output(pictures: [], times: []) }
}
