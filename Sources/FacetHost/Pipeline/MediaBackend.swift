import FacetMedia
import FacetSDK
import Foundation

// Where a pipeline's frames come from and go to. The pipeline reads and writes media only
// through `MediaBackend`, so the same run works on files (FFmpeg, the default) and on frames in
// memory (tests, generated input, a future live source) alike.

/// A stream of decoded frames, in presentation order.
public protocol FrameSource: AnyObject {
    /// The video stream the frames come from.
    var video: VideoStreamInfo { get }
    /// The next frame; nil at the end.
    func nextFrame() throws -> VideoFrame?
    /// Damage found while decoding, in words (empty when none).
    var damageMessages: [String] { get }
}

/// Where rendered frames go: written in order, then finished (or cancelled, leaving nothing).
public protocol FrameSink: AnyObject {
    /// Encodes one frame.
    func write(_ frame: VideoFrame) throws
    /// Completes the output and says what was written.
    func finish() throws -> WriteReport
    /// Abandons the output; nothing is left behind.
    func cancel()
}

/// The soundtrack an output gets.
public enum SoundtrackChoice: Sendable, Equatable {
    /// The input's own audio, lined up with its first video frame.
    case input
    /// A separate audio file from time 0, cut at `cutAt` seconds when given.
    case file(URL, cutAt: Double?)
}

/// Opens inputs and outputs for a pipeline.
public protocol MediaBackend {
    /// Refuses an input (or separate audio file) that cannot be read, before anything is decoded.
    func checkInput(_ input: URL, audio: URL?) throws(HostError)
    /// Refuses an output that cannot be written (missing folder, unknown extension), before anything is decoded.
    func checkOutput(_ output: URL) throws
    /// The streams of `url`.
    func probe(_ url: URL) throws -> MediaInfo
    /// The frames of `url` (a still image becomes `stillImage.duration` seconds of frames).
    func openFrames(_ url: URL, stillImage: StillImageOptions?) throws -> any FrameSource
    /// An output of `video`'s size and timing with `soundtrack` (read alongside `source`).
    func openOutput(
        _ url: URL, video: VideoStreamInfo, soundtrack: SoundtrackChoice?, alongside source: any FrameSource,
        settings: EncoderSettings
    ) throws -> any FrameSink
    /// The audio of `url` as mono PCM at `sampleRate`, for effects that listen.
    func decodeAudio(_ url: URL, sampleRate: Int) throws -> AudioClip
}

/// Files through FFmpeg: `VideoReader`, `VideoWriter`, `MediaProbe`, `AudioDecoder`.
public struct FFmpegMedia: MediaBackend {
    /// The FFmpeg backend.
    public init() {}

    /// The input must be an existing file (not a folder); a separate audio file must exist.
    public func checkInput(_ input: URL, audio: URL?) throws(HostError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: input.path, isDirectory: &isDirectory) else {
            throw HostError(.io, "input \(input.path) does not exist; expected a video or image file")
        }
        guard !isDirectory.boolValue else {
            throw HostError(.io, "input \(input.path) is a directory; expected a video or image file")
        }
        if let audio, !files.fileExists(atPath: audio.path) {
            throw HostError(.io, "audio file \(audio.path) does not exist")
        }
    }

    /// `VideoWriter.checkOutput`.
    public func checkOutput(_ output: URL) throws { try VideoWriter.checkOutput(output) }

    /// `MediaProbe.probe`.
    public func probe(_ url: URL) throws -> MediaInfo { try MediaProbe.probe(url) }

    /// A `VideoReader`.
    public func openFrames(_ url: URL, stillImage: StillImageOptions?) throws -> any FrameSource {
        try VideoReader(url: url, stillImage: stillImage)
    }

    /// A `VideoWriter`; the input's own audio is read from the reader's file. The encoder restarts
    /// at the input's chunks (`KeyframeIndex.chunkStarts`), as a segmented batch item's does.
    public func openOutput(
        _ url: URL, video: VideoStreamInfo, soundtrack: SoundtrackChoice?, alongside source: any FrameSource,
        settings: EncoderSettings
    ) throws -> any FrameSink {
        let audio: AudioInput? =
            switch soundtrack {
            case .input: (source as? VideoReader).flatMap { AudioInput(matching: $0) }
            case .file(let file, let cutAt): AudioInput(url: file, maxDuration: cutAt)
            case nil: nil
            }
        let restartFrames: Set<Int> =
            if let reader = source as? VideoReader, !reader.video.isStillImage {
                Set((try? KeyframeIndex.read(URL(fileURLWithPath: reader.info.path)))?.chunkStarts() ?? [])
            } else {
                []
            }
        return try VideoWriter(outputURL: url, video: video, audio: audio, settings: settings, restartFrames: restartFrames)
    }

    /// `AudioDecoder.decodePCM`.
    public func decodeAudio(_ url: URL, sampleRate: Int) throws -> AudioClip {
        let pcm = try AudioDecoder.decodePCM(url: url, sampleRate: sampleRate)
        return AudioClip(sampleRate: pcm.sampleRate, samples: pcm.samples, startTime: pcm.startTime)
    }
}

extension VideoReader: FrameSource {
    /// `damage.messages`.
    public var damageMessages: [String] { damage.messages }
}

extension VideoWriter: FrameSink {}
