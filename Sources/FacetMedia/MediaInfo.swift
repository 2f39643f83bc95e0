/// A rational number as FFmpeg keeps frame rates, time bases and aspect ratios.
///
/// Encoded as `{"num": 30000, "den": 1001, "value": 29.97002997, "text": "30000/1001"}`.
public struct Rational: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Numerator.
    public var num: Int
    /// Denominator (0 means "unknown").
    public var den: Int

    /// Creates `num/den`.
    public init(_ num: Int, _ den: Int) {
        self.num = num
        self.den = den
    }

    /// The value as a Double (0 when the denominator is 0).
    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
    /// Whether both parts are positive.
    public var isValid: Bool { num > 0 && den > 0 }
    /// `num/den`.
    public var description: String { "\(num)/\(den)" }

    private enum CodingKeys: String, CodingKey { case num, den, value, text }

    /// Reads `num` and `den` (the other keys are derived).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        num = try container.decode(Int.self, forKey: .num)
        den = try container.decode(Int.self, forKey: .den)
    }

    /// Writes `num`, `den`, `value` and `text`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(num, forKey: .num)
        try container.encode(den, forKey: .den)
        try container.encode(value, forKey: .value)
        try container.encode(description, forKey: .text)
    }
}

/// What kind of data a stream carries.
public enum StreamKind: String, Codable, Sendable {
    /// Pictures.
    case video
    /// Sound.
    case audio
    /// Subtitles.
    case subtitle
    /// Timed data (e.g. timecode tracks).
    case data
    /// Attached files (fonts, cover art files).
    case attachment
    /// Anything else.
    case unknown
}

/// What `facet probe` reports about one media file.
public struct MediaInfo: Codable, Sendable {
    /// The file's path.
    public var path: String
    /// The container's short name (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `png_pipe`).
    public var formatName: String
    /// The container's long name (`QuickTime / MOV`).
    public var formatLongName: String
    /// Container duration in seconds, when known.
    public var duration: Double?
    /// Container start time in seconds, when known.
    public var startTime: Double?
    /// Overall bit rate in bits per second, when known.
    public var bitRate: Int?
    /// Every stream of the file, in file order.
    public var streams: [StreamInfo]
    /// Index (into the file's streams) of the best video stream, per `av_find_best_stream`.
    public var bestVideoStream: Int?
    /// Index of the best audio stream, per `av_find_best_stream`.
    public var bestAudioStream: Int?
    /// Whether the file is a single still picture (PNG, JPEG, ...) rather than a video.
    public var isStillImage: Bool

    /// The best video stream, if the file has one.
    public var video: VideoStreamInfo? {
        get { bestVideoStream.flatMap { index in streams.first { $0.index == index }?.video } }
        set {
            guard let index = bestVideoStream, let position = streams.firstIndex(where: { $0.index == index })
            else { return }
            streams[position].video = newValue
        }
    }

    /// The best audio stream, if the file has one.
    public var audio: AudioStreamInfo? {
        bestAudioStream.flatMap { index in streams.first { $0.index == index }?.audio }
    }

    /// A short list like `#0 audio aac, #1 data bin_data` for messages.
    public var streamSummary: String {
        streams.isEmpty
            ? "no streams"
            : streams.map { "#\($0.index) \($0.kind.rawValue) \($0.codecName)" }.joined(separator: ", ")
    }
}

/// One stream of a media file.
public struct StreamInfo: Codable, Sendable {
    /// The stream's index in the file.
    public var index: Int
    /// What the stream carries.
    public var kind: StreamKind
    /// Codec short name (`h264`, `aac`, `png`).
    public var codecName: String
    /// Stream time base.
    public var timeBase: Rational
    /// Stream duration in seconds, when known.
    public var duration: Double?
    /// Stream start time in seconds, when known.
    public var startTime: Double?
    /// Stream bit rate in bits per second, when known.
    public var bitRate: Int?
    /// Language tag, when present.
    public var language: String?
    /// Video details, for video streams.
    public var video: VideoStreamInfo?
    /// Audio details, for audio streams.
    public var audio: AudioStreamInfo?
}

/// A video stream: what a reader decodes and a writer needs to keep.
public struct VideoStreamInfo: Codable, Sendable, Equatable {
    /// The stream's index in its file.
    public var streamIndex: Int
    /// Codec short name.
    public var codecName: String
    /// Coded width in pixels.
    public var width: Int
    /// Coded height in pixels.
    public var height: Int
    /// Pixel format name (`yuv420p`).
    public var pixelFormat: String
    /// `r_frame_rate`: the lowest rate that represents all timestamps exactly.
    public var realFrameRate: Rational
    /// `avg_frame_rate`: frames divided by duration.
    public var averageFrameRate: Rational
    /// The rate to use: the average frame rate when known, else the real one.
    public var frameRate: Double
    /// `nb_frames` from the container, or duration x frame rate rounded; nil when neither is known.
    public var estimatedFrameCount: Int?
    /// The stream time base: the unit of frame timestamps.
    public var timeBase: Rational
    /// Stream start time in `timeBase` units (0 when unknown).
    public var startPTS: Int64
    /// Stream duration in seconds, when known.
    public var duration: Double?
    /// Sample (pixel) aspect ratio; `0/1` when unknown, meaning square pixels.
    public var sampleAspectRatio: Rational
    /// Counter-clockwise rotation in degrees that the display matrix asks for (0 when none);
    /// `ffprobe` prints the same value as "rotation".
    public var rotation: Double
    /// Whether `r_frame_rate` and `avg_frame_rate` differ, i.e. timestamps are probably irregular.
    public var isVariableFrameRate: Bool
    /// Whether this stream is a single still picture.
    public var isStillImage: Bool
    /// Colour range name (`tv`, `pc`), when tagged.
    public var colorRange: String?
    /// Colour matrix name (`bt709`, `smpte170m`), when tagged.
    public var colorSpace: String?
    /// Colour primaries name, when tagged.
    public var colorPrimaries: String?
    /// Transfer characteristic name, when tagged.
    public var colorTransfer: String?
    /// Stream bit rate in bits per second, when known.
    public var bitRate: Int?
}

/// An audio stream.
public struct AudioStreamInfo: Codable, Sendable, Equatable {
    /// The stream's index in its file.
    public var streamIndex: Int
    /// Codec short name.
    public var codecName: String
    /// Samples per second.
    public var sampleRate: Int
    /// Number of channels.
    public var channels: Int
    /// Channel layout description (`stereo`, `5.1(side)`, `2 channels`).
    public var channelLayout: String
    /// Sample format name (`fltp`, `s16`).
    public var sampleFormat: String
    /// Stream time base.
    public var timeBase: Rational
    /// Stream start time in seconds, when known.
    public var startTime: Double?
    /// Stream duration in seconds, when known.
    public var duration: Double?
    /// Stream bit rate in bits per second, when known.
    public var bitRate: Int?
}

// MARK: - Media made in memory

extension MediaInfo {
    /// The description of a video that exists only in memory (no container, no audio): one
    /// raw-video stream of `frameCount` frames of `width` x `height` at `frameRate`. For frame
    /// sources that read no file (generated input, tests).
    public static func inMemory(path: String, width: Int, height: Int, frameRate: Double, frameCount: Int) -> MediaInfo {
        let rate = Rational(Int((frameRate * 1000).rounded()), 1000)
        let duration = Double(frameCount) / frameRate
        let microseconds = Rational(1, 1_000_000)
        let video = VideoStreamInfo(
            streamIndex: 0, codecName: "rawvideo", width: width, height: height, pixelFormat: "rgb24",
            realFrameRate: rate, averageFrameRate: rate, frameRate: frameRate, estimatedFrameCount: frameCount,
            timeBase: microseconds, startPTS: 0, duration: duration, sampleAspectRatio: Rational(1, 1), rotation: 0,
            isVariableFrameRate: false, isStillImage: false, colorRange: "pc", colorSpace: nil, colorPrimaries: nil,
            colorTransfer: nil, bitRate: nil)
        let stream = StreamInfo(
            index: 0, kind: .video, codecName: "rawvideo", timeBase: microseconds, duration: duration,
            startTime: 0, bitRate: nil, language: nil, video: video, audio: nil)
        return MediaInfo(
            path: path, formatName: "memory", formatLongName: "frames in memory", duration: duration,
            startTime: 0, bitRate: nil, streams: [stream], bestVideoStream: 0, bestAudioStream: nil,
            isStillImage: false)
    }
}
