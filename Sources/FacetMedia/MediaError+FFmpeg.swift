import CFFmpeg

// MARK: - FFmpeg status codes

/// A negative FFmpeg status and FFmpeg's text for it: the cause of a `MediaError` raised by a
/// failed FFmpeg call.
public struct FFmpegStatus: Error, Sendable, CustomStringConvertible {
    /// The status code (`AVERROR(...)`, negative).
    public let status: Int32
    /// FFmpeg's description of it (`av_strerror`).
    public let text: String

    /// The status and FFmpeg's text for it.
    init(_ status: Int32) {
        self.status = status
        self.text = ffmpegErrorString(status)
    }

    /// `FFmpeg: <text>`.
    public var description: String { "FFmpeg: \(text)" }
}

/// FFmpeg's text for a status code (`av_strerror`).
func ffmpegErrorString(_ status: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    return buffer.withUnsafeMutableBufferPointer { pointer in
        String(cString: facet_av_error_string(status, pointer.baseAddress, pointer.count))
    }
}

/// Throws a `MediaError` when `status` is negative; returns the status otherwise.
///
/// `what` describes the operation in words ("open the H.264 encoder for 320x240 yuv420p") and
/// becomes the message "could not <what>". The code follows from the status: missing files are
/// `fileNotFound`, unknown data is `notMedia`, other I/O failures `io`, everything else `code`.
@discardableResult
func check(
    _ status: Int32, _ what: @autoclosure () -> String,
    code: MediaError.Code = .io, path: String? = nil
) throws(MediaError) -> Int32 {
    guard status < 0 else { return status }
    throw mediaError(status, "could not " + what(), code: code, path: path)
}

/// The `MediaError` for a negative FFmpeg status.
func mediaError(
    _ status: Int32, _ message: String, code: MediaError.Code,
    path: String? = nil
) -> MediaError {
    let mapped: MediaError.Code
    switch status {
    case facet_averror(ENOENT): mapped = .fileNotFound
    case facet_averror(EACCES), facet_averror(EROFS), facet_averror(EPERM):
        mapped = code == .io ? .outputNotWritable : code
    case FACET_AVERROR_INVALIDDATA where code == .io: mapped = .notMedia
    case FACET_AVERROR_ENCODER_NOT_FOUND, FACET_AVERROR_DECODER_NOT_FOUND,
        FACET_AVERROR_MUXER_NOT_FOUND, FACET_AVERROR_DEMUXER_NOT_FOUND:
        mapped = .unsupported
    case facet_averror(ENOSPC): mapped = .io
    default: mapped = code
    }
    return MediaError(mapped, message, path: path, cause: FFmpegStatus(status))
}
