import Foundation

/// x264's speed presets, fastest first: slower ones compress better at the same CRF.
public enum X264Preset: String, Sendable, CaseIterable {
    /// x264's names, from `ultrafast` to `placebo`.
    case ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo
}

/// The pixel format the H.264 encoder writes.
public enum PixelFormatChoice: String, Sendable, Equatable, CaseIterable {
    /// `yuv420p` when width and height are even, else `yuv444p` (keeps an odd size exactly;
    /// the writer then adds a warning because some players only play 4:2:0).
    case auto
    /// 4:2:0, plays everywhere; needs an even width and height.
    case yuv420p
    /// 4:4:4 (High 4:4:4 Predictive profile): full colour resolution, any size.
    case yuv444p
}

/// How `VideoWriter` encodes video (H.264 with libx264).
public struct EncoderSettings: Sendable, Equatable {
    /// x264 constant rate factor: 0 (lossless) ... 51 (worst); 18 is visually near-lossless.
    public var crf: Int = 18
    /// x264 speed preset, one of `EncoderSettings.presets`.
    public var preset: String = "veryfast"
    /// The encoded pixel format.
    public var pixelFormat: PixelFormatChoice = .auto

    /// x264's presets, fastest first.
    public static let presets = X264Preset.allCases.map(\.rawValue)
    /// The accepted CRF values.
    public static let crfRange = 0...51

    /// Creates settings (defaults: CRF 18, `veryfast`, automatic pixel format).
    public init(crf: Int = 18, preset: String = "veryfast", pixelFormat: PixelFormatChoice = .auto) {
        self.crf = crf
        self.preset = preset
        self.pixelFormat = pixelFormat
    }

    /// Checks CRF and preset; throws `invalidArgument` naming the accepted values.
    public func validate() throws(MediaError) {
        guard Self.crfRange.contains(crf) else {
            throw MediaError(
                .invalidArgument,
                "CRF must be between \(Self.crfRange.lowerBound) and \(Self.crfRange.upperBound) (lower is better quality); got \(crf)")
        }
        guard Self.presets.contains(preset) else {
            throw MediaError(
                .invalidArgument,
                "unknown x264 preset '\(preset)'; expected one of \(Self.presets.joined(separator: ", "))")
        }
    }

    /// The pixel format for a `width` x `height` picture, and a warning when `.auto` had to
    /// choose 4:4:4. Throws `invalidArgument` for `.yuv420p` with an odd size.
    public func resolvedPixelFormat(width: Int, height: Int) throws(MediaError) -> (format: PixelFormatChoice, warning: String?) {
        let even = width % 2 == 0 && height % 2 == 0
        switch pixelFormat {
        case .yuv444p:
            return (.yuv444p, nil)
        case .yuv420p:
            guard even else {
                throw MediaError(
                    .invalidArgument,
                    "yuv420p needs an even width and height, but the video is \(width)x\(height); use yuv444p (or auto) to keep this size, or crop/scale to an even size"
                )
            }
            return (.yuv420p, nil)
        case .auto:
            if even { return (.yuv420p, nil) }
            return (
                .yuv444p,
                "the video is \(width)x\(height) (odd size): encoded as yuv444p to keep the exact size; some players only play yuv420p, which needs an even width and height"
            )
        }
    }
}

/// Where the output's audio comes from: one stream of a media file (the input itself, or a
/// separate audio file for a still image).
public struct AudioInput: Sendable, Equatable {
    /// The file holding the audio.
    public var url: URL
    /// The stream to use; nil = the best audio stream (no audio if there is none).
    public var streamIndex: Int?
    /// Cut the audio after this many seconds (e.g. at the end of a video made from an image).
    public var maxDuration: Double?
    /// The time in the audio file (seconds) that plays with the video's first frame;
    /// nil = the audio stream's own start. `AudioInput(matching:)` sets it for the input file.
    public var startTime: Double?

    /// Creates an audio source.
    public init(url: URL, streamIndex: Int? = nil, maxDuration: Double? = nil, startTime: Double? = nil) {
        self.url = url
        self.streamIndex = streamIndex
        self.maxDuration = maxDuration
        self.startTime = startTime
    }

    /// The audio of the file a reader decodes, lined up with its video (nil when it has none).
    public init?(matching reader: VideoReader) {
        self.init(matching: reader.info, video: reader.video)
    }

    /// The audio of the file `info` describes, lined up with `video` (default: its best video
    /// stream); nil when it has no audio or no video.
    public init?(matching info: MediaInfo, video: VideoStreamInfo? = nil) {
        guard let audio = info.audio, let video = video ?? info.video else { return nil }
        self.init(
            url: URL(fileURLWithPath: info.path), streamIndex: audio.streamIndex,
            startTime: Double(video.startPTS) * video.timeBase.value)
    }
}

/// What happened to the audio when writing.
public enum AudioHandling: Sendable, Equatable, CustomStringConvertible {
    /// No audio was written.
    case none
    /// The packets were copied unchanged (codec name).
    case copied(String)
    /// The audio was decoded and re-encoded because the container cannot hold the source codec.
    case transcoded(from: String, to: String)

    /// `copied aac`, `transcoded pcm_s16le -> aac`, `none`.
    public var description: String {
        switch self {
        case .none: "none"
        case .copied(let codec): "copied \(codec)"
        case .transcoded(let from, let to): "transcoded \(from) -> \(to)"
        }
    }
}

/// What `VideoWriter.finish()` produced.
public struct WriteReport: Sendable, Equatable {
    /// The finished file.
    public var outputURL: URL
    /// Video frames written.
    public var framesWritten: Int
    /// Video duration in seconds (first frame to the end of the last frame).
    public var duration: Double
    /// The encoded pixel format.
    public var pixelFormat: PixelFormatChoice
    /// How the audio was handled.
    public var audio: AudioHandling
    /// Seconds of audio written (nil without audio).
    public var audioDuration: Double?
    /// Things the caller should tell the user (odd size, transcoded audio, damaged audio).
    public var warnings: [String]

    /// Creates a report (a writer makes them; a sink that writes no file, e.g. in tests, too).
    public init(
        outputURL: URL, framesWritten: Int, duration: Double, pixelFormat: PixelFormatChoice,
        audio: AudioHandling, audioDuration: Double?, warnings: [String]
    ) {
        self.outputURL = outputURL
        self.framesWritten = framesWritten
        self.duration = duration
        self.pixelFormat = pixelFormat
        self.audio = audio
        self.audioDuration = audioDuration
        self.warnings = warnings
    }

    /// The audio handling in words (`copied aac`, `transcoded pcm_s16le -> aac`, `none`).
    public var audioDescription: String { audio.description }
}
