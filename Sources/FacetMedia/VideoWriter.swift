import CFFmpeg
import Foundation

/// Writes H.264 (libx264) video plus audio into an MP4, M4V, MOV or MKV file chosen by the
/// output extension.
///
/// Atomic: everything goes to a hidden temporary file in the target directory
/// (`.name.facet-partial-XXXX.mp4`), renamed onto the output only by `finish()`. `cancel()`, an
/// error while writing, or dropping the writer without `finish()` deletes the temporary file,
/// so no partial output is ever left behind.
///
/// Timestamps, frame rate, sample aspect ratio and rotation of the input are kept; frames that
/// were not modified are encoded straight from the decoded picture.
///
/// At each of `restartFrames` (the input's chunk starts, `KeyframeIndex.chunkStarts`) the
/// encoder is flushed and a fresh one with the same settings takes over, so the output is the
/// concatenation of independently encoded chunks: a piece of the video encoded on its own from
/// a chunk start (a segment of `facet batch`) gives the very packets this writer gives there.
public final class VideoWriter {
    /// Warnings so far (odd size encoded as 4:4:4, transcoded audio, damaged audio, ...).
    public private(set) var warnings: [String] = []

    private let output: OutputFile
    private let video: VideoStreamInfo
    private let encodedFormat: PixelFormatChoice
    private var encoder: CodecContext
    /// Frame indices where a fresh encoder starts (see the type's documentation).
    private let restartFrames: Set<Int>
    /// What made the encoder (for the fresh ones at `restartFrames`).
    private let settings: EncoderSettings
    private var lastDTS: Int64? = nil
    private let stream: UnsafeMutablePointer<AVStream>
    private let audio: AudioPump?
    private let packet = Packet()
    /// A reusable shell for sending decoded pictures to the encoder.
    private let passFrame = Frame()
    /// A reusable picture in the encoder's format, for converted and modified frames.
    private let convertedFrame = Frame()
    private let scaler = Scaler()
    private let encoderFormat: AVPixelFormat
    private let encoderFullRange: Bool
    private let encoderSpace: AVColorSpace
    private var state: State = .open
    private var framesWritten = 0
    private var firstPTS: Int64? = nil
    private var lastPTS: Int64? = nil

    private enum State {
        case open
        case finished
        case cancelled
        case failed(MediaError)
    }

    /// Checks, before any long work, that `outputURL` can be written: a known extension and an
    /// existing directory where a file can be created. Leaves nothing behind.
    public static func checkOutput(_ outputURL: URL) throws(MediaError) {
        try OutputFile.preflight(outputURL)
    }

    /// Creates the output (a temporary file until `finish()`), the encoder and the audio.
    ///
    /// - Parameters:
    ///   - outputURL: `.mp4`, `.m4v`, `.mov` or `.mkv`; anything else throws `unsupported`.
    ///   - video: the input stream: size, frame rate, time base, sample aspect ratio, rotation
    ///     and colour tags are kept.
    ///   - audio: where the audio comes from; nil for none.
    ///   - settings: CRF, preset and pixel format (validated here).
    ///   - restartFrames: frame indices (`VideoFrame.index`) where a fresh encoder starts.
    public init(
        outputURL: URL, video: VideoStreamInfo, audio: AudioInput?,
        settings: EncoderSettings = EncoderSettings(), restartFrames: Set<Int> = []
    ) throws(MediaError) {
        try settings.validate()
        self.settings = settings
        self.restartFrames = restartFrames
        _ = try OutputFile.muxerName(for: outputURL)
        guard video.width > 0, video.height > 0 else {
            throw MediaError(
                .invalidArgument,
                "the video size must be positive; got \(video.width)x\(video.height)",
                path: outputURL.path)
        }
        let resolved: (format: PixelFormatChoice, warning: String?)
        do throws(MediaError) {
            resolved = try settings.resolvedPixelFormat(width: video.width, height: video.height)
        } catch {
            throw error.at(outputURL.path)
        }
        if let warning = resolved.warning { warnings.append(warning) }
        self.video = video
        encodedFormat = resolved.format
        encoderFormat = resolved.format == .yuv444p ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P
        encoderFullRange = video.colorRange == "pc" || video.pixelFormat.hasPrefix("yuvj")
        encoderSpace =
            video.colorSpace.map { av_color_space_from_name($0) }
            .flatMap { $0 >= 0 ? AVColorSpace(rawValue: UInt32($0)) : nil } ?? AVCOL_SPC_UNSPECIFIED

        output = try OutputFile(url: outputURL)
        encoder = try Self.makeEncoder(
            video: video, settings: settings, format: encoderFormat,
            fullRange: encoderFullRange, space: encoderSpace,
            globalHeader: output.wantsGlobalHeader, path: outputURL.path)
        stream = output.newStream()
        try check(
            avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer),
            "copy the encoder parameters to the output stream", code: .encodeFailed,
            path: outputURL.path)
        stream.pointee.time_base = encoder.pointer.pointee.time_base
        stream.pointee.avg_frame_rate =
            video.averageFrameRate.isValid
            ? video.averageFrameRate.av
            : encoder.pointer.pointee.framerate
        stream.pointee.r_frame_rate =
            video.realFrameRate.isValid
            ? video.realFrameRate.av
            : encoder.pointer.pointee.framerate
        stream.pointee.sample_aspect_ratio = encoder.pointer.pointee.sample_aspect_ratio
        if video.rotation != 0 {
            guard let data = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, 36) else {
                fatalError("av_stream_new_side_data: out of memory")
            }
            // `rotation` is counter-clockwise (av_display_rotation_get); the setter takes clockwise.
            data.withMemoryRebound(to: Int32.self, capacity: 9) {
                av_display_rotation_set($0, -video.rotation)
            }
            if output.context.pointee.oformat.pointee.name.map({ String(cString: $0) }) == "matroska" {
                warnings.append(
                    "Matroska output cannot carry the \(Int(video.rotation))° rotation in this FFmpeg version; players will show the video unrotated"
                )
            }
        }

        if let audio {
            self.audio = try AudioPump(source: audio, output: output)
            if let pump = self.audio { warnings.append(contentsOf: pump.warnings) }
        } else {
            self.audio = nil
        }
        try output.writeHeader()

        passFrame.pointer.pointee.format = -1
        convertedFrame.pointer.pointee.format = encoderFormat.rawValue
        convertedFrame.pointer.pointee.width = Int32(video.width)
        convertedFrame.pointer.pointee.height = Int32(video.height)
        try check(
            av_frame_get_buffer(convertedFrame.pointer, 0), "allocate a picture buffer",
            code: .encodeFailed)
    }

    deinit {
        if case .open = state { output.abort() }
    }

    // MARK: - Writing

    /// Encodes one frame: the decoded picture as is when unmodified (converted only when its
    /// pixel format differs from the encoder's), else its replacement image.
    ///
    /// The frame's timestamp is rescaled from the input to the output time base, so variable
    /// frame rates stay variable. On error the writer is closed and its temporary file deleted;
    /// later calls throw the same error.
    public func write(_ frame: VideoFrame) throws(MediaError) {
        try ensureOpen()
        do throws(MediaError) {
            try encode(frame)
            if let audio { try audio.pump(upTo: frame.time + 0.25) }
        } catch {
            fail(error)
            throw error
        }
    }

    /// Flushes the encoder, writes the remaining audio and the trailer, and renames the
    /// temporary file onto the output.
    public func finish() throws(MediaError) -> WriteReport {
        try ensureOpen()
        do throws(MediaError) {
            guard framesWritten > 0 else {
                throw MediaError(
                    .invalidArgument,
                    "no video frame was written; expected at least one frame before finish()",
                    path: output.finalURL.path)
            }
            try check(
                avcodec_send_frame(encoder.pointer, nil), "flush the H.264 encoder", code: .encodeFailed,
                path: output.finalURL.path)
            try drainVideo()
            try audio?.finish()
            if let audio { warnings.append(contentsOf: audio.warnings.filter { !warnings.contains($0) }) }
            try output.commit()
            state = .finished
        } catch {
            fail(error)
            throw error
        }
        let timeBase = video.timeBase.isValid ? video.timeBase.av : encoder.pointer.pointee.time_base
        let frameDuration = video.frameRate > 0 ? 1 / video.frameRate : 0
        let span = Double((lastPTS ?? 0) - (firstPTS ?? 0)) * av_q2d(timeBase)
        return WriteReport(
            outputURL: output.finalURL, framesWritten: framesWritten,
            duration: span + frameDuration, pixelFormat: encodedFormat,
            audio: audio?.handling ?? .none, audioDuration: audio?.writtenDuration,
            warnings: warnings)
    }

    /// Stops writing and deletes the temporary file; no output is left. Idempotent.
    public func cancel() {
        if case .open = state {
            output.abort()
            state = .cancelled
        }
    }

    // MARK: - Encoding

    private func ensureOpen() throws(MediaError) {
        switch state {
        case .open: return
        case .finished:
            throw MediaError(
                .invalidArgument, "the writer already finished \(output.finalURL.path)",
                path: output.finalURL.path)
        case .cancelled:
            throw MediaError(
                .cancelled, "the writer for \(output.finalURL.path) was cancelled",
                path: output.finalURL.path)
        case .failed(let error):
            throw error
        }
    }

    private func fail(_ error: MediaError) {
        output.abort()
        state = .failed(error)
    }

    private func encode(_ frame: VideoFrame) throws(MediaError) {
        guard frame.width == video.width, frame.height == video.height else {
            throw MediaError(
                .invalidArgument,
                "frame \(frame.index) is \(frame.width)x\(frame.height) but the writer was opened for \(video.width)x\(video.height)",
                path: output.finalURL.path)
        }
        // Timestamp in the encoder's time base, strictly increasing.
        var pts = av_rescale_q(frame.pts - frame.startPTS, frame.timeBase, encoder.pointer.pointee.time_base)
        if let lastPTS, pts <= lastPTS { pts = lastPTS + 1 }
        if firstPTS == nil { firstPTS = pts }
        lastPTS = pts
        if framesWritten > 0, restartFrames.contains(frame.index) { try restartEncoder(at: frame.index) }

        let source: UnsafeMutablePointer<AVFrame>
        if let image = frame.replacement {
            guard image.width == video.width, image.height == video.height else {
                throw MediaError(
                    .invalidArgument,
                    "the replacement image of frame \(frame.index) is \(image.width)x\(image.height); expected the video size \(video.width)x\(video.height)",
                    path: output.finalURL.path)
            }
            try convert(image: image)
            source = convertedFrame.pointer
        } else if let direct = passThrough(frame.picture) {
            source = direct
        } else {
            try convert(picture: frame.picture)
            source = convertedFrame.pointer
        }
        source.pointee.pts = pts
        source.pointee.pict_type = AV_PICTURE_TYPE_NONE
        source.pointee.sample_aspect_ratio = encoder.pointer.pointee.sample_aspect_ratio
        let sent = avcodec_send_frame(encoder.pointer, source)
        if source == passFrame.pointer { av_frame_unref(passFrame.pointer) }
        try check(sent, "encode frame \(frame.index) with libx264", code: .encodeFailed, path: output.finalURL.path)
        framesWritten += 1
        try drainVideo()
    }

    /// The decoded picture itself (referenced, relabelled from J formats) when the encoder can
    /// take it as is; nil when it needs converting.
    private func passThrough(_ picture: Frame) -> UnsafeMutablePointer<AVFrame>? {
        let format = picture.format
        let pictureFull = picture.pointer.pointee.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(format)
        guard Self.plainFormat(format) == encoderFormat, pictureFull == encoderFullRange else { return nil }
        guard av_frame_ref(passFrame.pointer, picture.pointer) >= 0 else { return nil }
        passFrame.pointer.pointee.format = encoderFormat.rawValue
        passFrame.pointer.pointee.color_range = encoderFullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        return passFrame.pointer
    }

    /// Converts a decoded picture of another pixel format into `convertedFrame`.
    private func convert(picture: Frame) throws(MediaError) {
        let pointer = picture.pointer
        let context = try scaler.context(
            srcW: pointer.pointee.width, srcH: pointer.pointee.height, srcFormat: picture.format,
            srcSpace: pointer.pointee.colorspace,
            srcFull: pointer.pointee.color_range == AVCOL_RANGE_JPEG || isFullRangeFormat(picture.format),
            dstW: Int32(video.width), dstH: Int32(video.height), dstFormat: encoderFormat,
            dstSpace: encoderSpace, dstFull: encoderFullRange)
        try check(av_frame_make_writable(convertedFrame.pointer), "prepare a picture buffer", code: .encodeFailed)
        try check(
            sws_scale_frame(context, convertedFrame.pointer, pointer),
            "convert a \(pixelFormatName(picture.format)) picture to \(pixelFormatName(encoderFormat))",
            code: .encodeFailed)
    }

    /// Converts an RGB image into `convertedFrame`.
    private func convert(image: RGBImage) throws(MediaError) {
        let context = try scaler.context(
            srcW: Int32(image.width), srcH: Int32(image.height), srcFormat: AV_PIX_FMT_RGB24,
            srcSpace: AVCOL_SPC_RGB, srcFull: true,
            dstW: Int32(video.width), dstH: Int32(video.height), dstFormat: encoderFormat,
            dstSpace: encoderSpace, dstFull: encoderFullRange)
        try check(av_frame_make_writable(convertedFrame.pointer), "prepare a picture buffer", code: .encodeFailed)
        let rows = image.pixels.withUnsafeBufferPointer { buffer in
            facet_sws_scale_from_packed(
                context, buffer.baseAddress, Int32(image.rowStride),
                Int32(image.height), convertedFrame.pointer)
        }
        if rows < 0 {
            throw mediaError(
                rows, "could not convert an RGB image to \(pixelFormatName(encoderFormat))",
                code: .encodeFailed)
        }
    }

    /// Flushes the encoder and starts a fresh one with the same settings at frame `index`. The
    /// new encoder's parameter sets must be the first one's: the stream has one header.
    private func restartEncoder(at index: Int) throws(MediaError) {
        try check(
            avcodec_send_frame(encoder.pointer, nil), "flush the H.264 encoder before frame \(index)", code: .encodeFailed,
            path: output.finalURL.path)
        try drainVideo()
        let fresh = try Self.makeEncoder(
            video: video, settings: settings, format: encoderFormat, fullRange: encoderFullRange, space: encoderSpace,
            globalHeader: output.wantsGlobalHeader, path: output.finalURL.path)
        let header = { (pointer: UnsafeMutablePointer<AVCodecContext>) -> [UInt8] in
            guard let data = pointer.pointee.extradata, pointer.pointee.extradata_size > 0 else { return [] }
            return Array(UnsafeBufferPointer(start: data, count: Int(pointer.pointee.extradata_size)))
        }
        guard header(fresh.pointer) == header(encoder.pointer) else {
            throw MediaError(
                .encodeFailed,
                "the encoder restarted at frame \(index) made other parameter sets than the first; expected the same settings to give the same stream header",
                path: output.finalURL.path)
        }
        encoder = fresh
    }

    private func drainVideo() throws(MediaError) {
        while true {
            let status = avcodec_receive_packet(encoder.pointer, packet.pointer)
            if status == FACET_AVERROR_EAGAIN || status == FACET_AVERROR_EOF { return }
            try check(status, "encode video with libx264", code: .encodeFailed, path: output.finalURL.path)
            av_packet_rescale_ts(packet.pointer, encoder.pointer.pointee.time_base, stream.pointee.time_base)
            // A fresh encoder starts its decode times early (its B-frame delay): they must still
            // rise across a restart, as `SegmentJoiner` keeps them rising across a cut.
            if let lastDTS, packet.pointer.pointee.dts <= lastDTS { packet.pointer.pointee.dts = lastDTS + 1 }
            lastDTS = packet.pointer.pointee.dts
            packet.pointer.pointee.stream_index = stream.pointee.index
            try output.write(packet)
        }
    }

    // MARK: - Setup

    /// The pixel format without the "J" (full range) naming.
    private static func plainFormat(_ format: AVPixelFormat) -> AVPixelFormat {
        switch format {
        case AV_PIX_FMT_YUVJ420P: AV_PIX_FMT_YUV420P
        case AV_PIX_FMT_YUVJ422P: AV_PIX_FMT_YUV422P
        case AV_PIX_FMT_YUVJ444P: AV_PIX_FMT_YUV444P
        default: format
        }
    }

    private static func makeEncoder(
        video: VideoStreamInfo, settings: EncoderSettings,
        format: AVPixelFormat, fullRange: Bool, space: AVColorSpace,
        globalHeader: Bool, path: String
    ) throws(MediaError) -> CodecContext {
        guard let codec = avcodec_find_encoder_by_name("libx264") else {
            throw MediaError(
                .unsupported, "this FFmpeg build has no libx264 encoder; expected an FFmpeg built with --enable-libx264",
                path: path)
        }
        let encoder = CodecContext(codec)
        let context = encoder.pointer
        let rate =
            video.averageFrameRate.isValid
            ? video.averageFrameRate
            : (video.realFrameRate.isValid ? video.realFrameRate : Rational(25, 1))
        context.pointee.width = Int32(video.width)
        context.pointee.height = Int32(video.height)
        context.pointee.pix_fmt = format
        context.pointee.time_base = video.timeBase.isValid ? video.timeBase.av : av_inv_q(rate.av)
        context.pointee.framerate = rate.av
        context.pointee.sample_aspect_ratio =
            video.sampleAspectRatio.isValid
            ? video.sampleAspectRatio.av : AVRational(num: 0, den: 1)
        context.pointee.color_range = fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        context.pointee.colorspace = space
        if let name = video.colorPrimaries {
            let value = av_color_primaries_from_name(name)
            if value >= 0 { context.pointee.color_primaries = AVColorPrimaries(rawValue: UInt32(value)) }
        }
        if let name = video.colorTransfer {
            let value = av_color_transfer_from_name(name)
            if value >= 0 { context.pointee.color_trc = AVColorTransferCharacteristic(rawValue: UInt32(value)) }
        }
        context.pointee.thread_count = 0
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        var options: OpaquePointer? = nil
        av_dict_set(&options, "preset", settings.preset, 0)
        av_dict_set(&options, "crf", String(settings.crf), 0)
        defer { av_dict_free(&options) }
        try check(
            avcodec_open2(context, codec, &options),
            "open libx264 for \(video.width)x\(video.height) \(pixelFormatName(format)) (preset \(settings.preset), CRF \(settings.crf))",
            code: .encodeFailed, path: path)
        return encoder
    }
}
