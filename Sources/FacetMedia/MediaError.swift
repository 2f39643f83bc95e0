import FacetErrors

/// The one error type of the media module: probing, decoding, encoding and muxing.
///
/// `message` says what was wrong and what was expected; `path` is the file concerned and
/// `cause` the FFmpeg status (`FFmpegStatus`), when there was one.
public typealias MediaError = FacetError<MediaErrorDomain>

/// The domain of `MediaError`: its codes are the static members of `ErrorCode<MediaErrorDomain>`.
public enum MediaErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == MediaErrorDomain {
    /// The file exists but FFmpeg recognises no media format in it.
    public static var notMedia: Self { Self("not a media file") }

    /// The file is media but has no video stream (e.g. audio only).
    public static var noVideoStream: Self { Self("no video stream") }

    /// The file has no audio stream (or not the one asked for).
    public static var noAudioStream: Self { Self("no audio stream") }

    /// No frame could be decoded, or a decoder could not be opened.
    public static var decodeFailed: Self { Self("decode failed") }

    /// The encoder or muxer refused a frame, a packet or its settings.
    public static var encodeFailed: Self { Self("encode failed") }

    /// The output directory does not exist or cannot be written to.
    public static var outputNotWritable: Self { Self("output not writable") }
}
