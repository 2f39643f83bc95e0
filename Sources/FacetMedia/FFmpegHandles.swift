import CFFmpeg
import Foundation

// Owning wrappers around FFmpeg's C objects. Each `deinit` frees exactly what it owns. None of
// them is safe to use from two threads at once; the ones marked `@unchecked Sendable` are handed
// from one thread to another (decode thread -> consumer) and then used by the receiver only.

// MARK: - Logging

/// How much FFmpeg itself prints to standard error.
public enum MediaLog {
    /// FFmpeg log levels, quietest first.
    public enum Level: Sendable {
        /// Nothing.
        case quiet
        /// Only errors after which the process cannot continue.
        case fatal
        /// Errors (damaged packets, failed opens).
        case error
        /// Warnings and errors.
        case warning
        /// Informational messages (FFmpeg's default).
        case info
        /// Debugging output.
        case debug

        var raw: Int32 {
            switch self {
            case .quiet: FACET_AV_LOG_QUIET
            case .fatal: FACET_AV_LOG_FATAL
            case .error: FACET_AV_LOG_ERROR
            case .warning: FACET_AV_LOG_WARNING
            case .info: FACET_AV_LOG_INFO
            case .debug: FACET_AV_LOG_DEBUG
            }
        }
    }

    /// Sets FFmpeg's global log level. Facet starts at `.fatal`: damage is reported through
    /// `DecodeDamage` and errors through `MediaError`, not through FFmpeg's console output.
    public static func setFFmpegLevel(_ level: Level) {
        _ = configured
        av_log_set_level(level.raw)
    }

    /// Applies the default level once, before the first FFmpeg call of the module.
    static let configured: Void = {
        av_log_set_level(FACET_AV_LOG_FATAL)
    }()
}

// MARK: - Frames and packets

/// An owned `AVFrame`.
///
/// `@unchecked Sendable`: a frame is filled by one thread and then handed over whole (through
/// the reader's locked queue) to the consumer; it is never touched by two threads at once.
final class Frame: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// A new frame referencing the same buffers (no pixel copy).
    func reference() -> Frame {
        let copy = Frame()
        if av_frame_ref(copy.pointer, pointer) < 0 { fatalError("av_frame_ref: out of memory") }
        return copy
    }

    var width: Int { Int(pointer.pointee.width) }
    var height: Int { Int(pointer.pointee.height) }
    var format: AVPixelFormat { AVPixelFormat(rawValue: pointer.pointee.format) }
}

/// An owned `AVPacket`.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    func unref() { av_packet_unref(pointer) }
}

// MARK: - Demuxing

/// An opened input file (`AVFormatContext`) with its stream information read.
///
/// `@unchecked Sendable`: created on the caller's thread, then used only by the decode thread.
final class InputFile: @unchecked Sendable {
    let context: UnsafeMutablePointer<AVFormatContext>
    let path: String

    /// Opens `url` and reads stream information; classifies failures as
    /// `fileNotFound` / `notMedia` / `io`.
    init(_ url: URL) throws(MediaError) {
        _ = MediaLog.configured
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(
                .fileNotFound, "no file at \(path); expected a video, image or audio file",
                path: path)
        }
        if isDirectory.boolValue {
            throw MediaError(.notMedia, "\(path) is a directory; expected a media file", path: path)
        }
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_open_input(&context, path, nil, nil)
        if status < 0 || context == nil {
            if status == FACET_AVERROR_INVALIDDATA, isISOMediaWithoutIndex(path) {
                throw MediaError(
                    .notMedia,
                    "\(path) is an MP4/MOV file without its index (no 'moov' box): usually a recording or download that was cut off before it was finished; its frames cannot be located, so nothing can be decoded. Expected a complete file (an MKV cut short still decodes up to the cut)",
                    path: path, cause: FFmpegStatus(status))
            }
            if status == FACET_AVERROR_INVALIDDATA {
                throw MediaError(
                    .notMedia,
                    "\(path) is not a media file FFmpeg can read (no known container or codec in its bytes)",
                    path: path, cause: FFmpegStatus(status))
            }
            throw mediaError(status, "could not open \(path)", code: .io, path: path)
        }
        self.context = context!
        let info = avformat_find_stream_info(context, nil)
        if info < 0 {
            throw MediaError(
                .notMedia, "\(path): could not read stream information; expected a media file",
                path: path, cause: FFmpegStatus(info))
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&context)
    }

    var streamCount: Int { Int(context.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// av_find_best_stream for `type`; nil when there is none.
    func bestStream(_ type: AVMediaType) -> Int? {
        let index = av_find_best_stream(context, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// Tells the demuxer to skip every stream but `keep`.
    func discardAll(except keep: Int) {
        for index in 0..<streamCount {
            stream(index).pointee.discard = index == keep ? AVDISCARD_DEFAULT : AVDISCARD_ALL
        }
    }

    /// The container's short name (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `png_pipe`, ...).
    var formatName: String { String(cString: context.pointee.iformat.pointee.name) }
}

// MARK: - Codecs

/// An owned `AVCodecContext`.
///
/// `@unchecked Sendable`: created on the caller's thread, then used only by one worker thread.
final class CodecContext: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let codec: UnsafePointer<AVCodec>

    init(_ codec: UnsafePointer<AVCodec>) {
        guard let context = avcodec_alloc_context3(codec) else {
            fatalError("avcodec_alloc_context3: out of memory")
        }
        self.pointer = context
        self.codec = codec
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }

    /// A decoder for `stream`, opened with automatic threading.
    static func decoder(
        for stream: UnsafeMutablePointer<AVStream>, path: String,
        threads: Int32 = 0
    ) throws(MediaError) -> CodecContext {
        let parameters = stream.pointee.codecpar!
        let codecName = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw MediaError(
                .unsupported,
                "no decoder for codec \(codecName) of stream #\(stream.pointee.index) in this FFmpeg build",
                path: path)
        }
        let context = CodecContext(codec)
        try check(
            avcodec_parameters_to_context(context.pointer, parameters),
            "copy the parameters of stream #\(stream.pointee.index) (\(codecName)) to its decoder",
            code: .decodeFailed, path: path)
        context.pointer.pointee.pkt_timebase = stream.pointee.time_base
        context.pointer.pointee.thread_count = threads
        try check(
            avcodec_open2(context.pointer, codec, nil),
            "open the \(codecName) decoder for stream #\(stream.pointee.index)",
            code: .decodeFailed, path: path)
        return context
    }

    var name: String { String(cString: codec.pointee.name) }
}

// MARK: - Scaling

/// A cached `SwsContext` for one (source size, source format) -> (destination size, format).
///
/// Re-created only when the key changes. Colour matrix and range follow the source frame.
final class Scaler {
    private var context: OpaquePointer? = nil
    private var key: Key? = nil

    private struct Key: Equatable {
        var srcW: Int32, srcH: Int32, srcFormat: Int32, srcSpace: UInt32, srcFull: Bool
        var dstW: Int32, dstH: Int32, dstFormat: Int32, dstSpace: UInt32, dstFull: Bool
    }

    deinit { sws_freeContext(context) }

    /// The context for converting between the given geometry, formats, colour matrices and ranges.
    func context(
        srcW: Int32, srcH: Int32, srcFormat: AVPixelFormat,
        srcSpace: AVColorSpace, srcFull: Bool,
        dstW: Int32, dstH: Int32, dstFormat: AVPixelFormat,
        dstSpace: AVColorSpace, dstFull: Bool
    ) throws(MediaError) -> OpaquePointer {
        let wanted = Key(
            srcW: srcW, srcH: srcH, srcFormat: srcFormat.rawValue,
            srcSpace: srcSpace.rawValue, srcFull: srcFull,
            dstW: dstW, dstH: dstH, dstFormat: dstFormat.rawValue,
            dstSpace: dstSpace.rawValue, dstFull: dstFull)
        if let context, key == wanted { return context }
        sws_freeContext(context)
        context = nil
        key = nil
        let flags = Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT)
        guard
            let created = sws_getContext(
                srcW, srcH, srcFormat, dstW, dstH, dstFormat,
                flags, nil, nil, nil)
        else {
            throw MediaError(
                .unsupported,
                "cannot convert pictures from \(pixelFormatName(srcFormat)) \(srcW)x\(srcH) to \(pixelFormatName(dstFormat)) \(dstW)x\(dstH)"
            )
        }
        let srcCoefficients = sws_getCoefficients(Scaler.swsColorspace(srcSpace))
        let dstCoefficients = sws_getCoefficients(Scaler.swsColorspace(dstSpace))
        sws_setColorspaceDetails(
            created, srcCoefficients, srcFull ? 1 : 0,
            dstCoefficients, dstFull ? 1 : 0, 0, 1 << 16, 1 << 16)
        context = created
        key = wanted
        return created
    }

    /// The SWS_CS_* constant for an AVColorSpace (unspecified -> BT.601, like swscale).
    private static func swsColorspace(_ space: AVColorSpace) -> Int32 {
        switch space {
        case AVCOL_SPC_BT709: SWS_CS_ITU709
        case AVCOL_SPC_FCC: SWS_CS_FCC
        case AVCOL_SPC_SMPTE240M: SWS_CS_SMPTE240M
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: SWS_CS_BT2020
        default: SWS_CS_ITU601
        }
    }
}

/// The FFmpeg name of a pixel format (`yuv420p`), or `none`.
func pixelFormatName(_ format: AVPixelFormat) -> String {
    guard let name = av_get_pix_fmt_name(format) else { return "none" }
    return String(cString: name)
}

/// Whether a pixel format carries full-range ("J") YUV by definition.
func isFullRangeFormat(_ format: AVPixelFormat) -> Bool {
    switch format {
    case AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P,
        AV_PIX_FMT_YUVJ411P:
        true
    default:
        false
    }
}

/// Whether a pixel format is RGB-like (swscale then ignores the colour matrix).
func isRGBFormat(_ format: AVPixelFormat) -> Bool {
    guard let descriptor = av_pix_fmt_desc_get(format) else { return false }
    return descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0
}

/// Whether the file starts like an ISO media file (an `ftyp` box) but has no `moov` box
/// among its top-level boxes: the signature of a truncated MP4/MOV.
private func isISOMediaWithoutIndex(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    var offset: UInt64 = 0
    var sawFileType = false
    while let header = try? {
        try handle.seek(toOffset: offset); return try handle.read(upToCount: 16)
    }(),
        header.count >= 8
    {
        let bytes = [UInt8](header)
        var size = UInt64(bytes[0]) << 24 | UInt64(bytes[1]) << 16 | UInt64(bytes[2]) << 8 | UInt64(bytes[3])
        let type = String(decoding: bytes[4..<8], as: UTF8.self)
        if offset == 0 { sawFileType = type == "ftyp" }
        guard sawFileType else { return false }
        if type == "moov" { return false }
        if size == 1, bytes.count >= 16 {  // 64-bit size follows the type
            size = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard size >= 8 else { return true }  // size 0 = "to the end of the file"
        offset += size
    }
    return sawFileType
}
