/// The one error type of the media module: probing, decoding, encoding and muxing.
///
/// `message` says what was wrong and what was expected; `path` is the file concerned and
/// `underlying` FFmpeg's own text for the status code, when there was one.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The category of a `MediaError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case fileNotFound = "file not found"
            case notMedia = "not a media file"
            case noVideoStream = "no video stream"
            case noAudioStream = "no audio stream"
            case decodeFailed = "decode failed"
            case encodeFailed = "encode failed"
            case unsupported = "unsupported"
            case outputNotWritable = "output not writable"
            case io = "I/O error"
            case cancelled = "cancelled"
            case invalidArgument = "invalid argument"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// No file at the given path.
        public static let fileNotFound = Code(.fileNotFound)
        /// The file exists but FFmpeg recognises no media format in it.
        public static let notMedia = Code(.notMedia)
        /// The file is media but has no video stream (e.g. audio only).
        public static let noVideoStream = Code(.noVideoStream)
        /// The file has no audio stream (or not the one asked for).
        public static let noAudioStream = Code(.noAudioStream)
        /// No frame could be decoded, or a decoder could not be opened.
        public static let decodeFailed = Code(.decodeFailed)
        /// The encoder or muxer refused a frame, a packet or its settings.
        public static let encodeFailed = Code(.encodeFailed)
        /// A codec, container, pixel format or option this build does not support.
        public static let unsupported = Code(.unsupported)
        /// The output directory does not exist or cannot be written to.
        public static let outputNotWritable = Code(.outputNotWritable)
        /// Reading or writing bytes failed.
        public static let io = Code(.io)
        /// The operation was cancelled; nothing was left behind.
        public static let cancelled = Code(.cancelled)
        /// A value passed by the caller is out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)

        /// A short name of the code.
        public var description: String { kind.rawValue }
    }

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String
    /// The file concerned, if any.
    public let path: String?
    /// FFmpeg's description of the underlying status code (`av_strerror`), if any.
    public let underlying: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, underlying: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    /// The same error with `path` set (when it was not already).
    func at(_ path: String?) -> MediaError {
        MediaError(code, message, path: self.path ?? path, underlying: underlying)
    }

    /// `code: message (path) [underlying]`, one line.
    public var description: String {
        var text = "\(code): \(message)"
        if let path, !message.contains(path) { text += " (\(path))" }
        if let underlying { text += " [FFmpeg: \(underlying)]" }
        return text
    }
}
