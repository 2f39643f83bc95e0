import CFFmpeg
import Foundation

/// Reads what a media file contains without decoding it.
public enum MediaProbe {
    /// Probes the file at `url`: container, duration, bit rate and every stream.
    ///
    /// Throws `fileNotFound` when there is no file and `notMedia` when FFmpeg recognises no
    /// format in it. An audio-only file probes fine (its `video` is nil).
    public static func probe(_ url: URL) throws(MediaError) -> MediaInfo {
        let input = try InputFile(url)
        return describe(input)
    }

    /// The `MediaInfo` of an opened input.
    static func describe(_ input: InputFile) -> MediaInfo {
        let context = input.context.pointee
        let format = context.iformat.pointee
        let formatName = String(cString: format.name)
        let formatLongName = format.long_name.map { String(cString: $0) } ?? formatName
        let bestVideo = input.bestStream(AVMEDIA_TYPE_VIDEO)
        let stillFormat = isStillImageFormat(formatName)
        var streams: [StreamInfo] = []
        for index in 0..<input.streamCount {
            streams.append(
                describe(
                    stream: input.stream(index), format: formatName,
                    stillFormat: stillFormat,
                    containerDuration: seconds(context.duration)))
        }
        let bestVideoInfo = bestVideo.flatMap { index in streams.first { $0.index == index }?.video }
        return MediaInfo(
            path: input.path,
            formatName: formatName,
            formatLongName: formatLongName,
            duration: seconds(context.duration),
            startTime: seconds(context.start_time),
            bitRate: context.bit_rate > 0 ? Int(context.bit_rate) : nil,
            streams: streams,
            bestVideoStream: bestVideo,
            bestAudioStream: input.bestStream(AVMEDIA_TYPE_AUDIO),
            isStillImage: bestVideoInfo?.isStillImage ?? false)
    }

    // MARK: - Streams

    private static func describe(
        stream pointer: UnsafeMutablePointer<AVStream>, format: String,
        stillFormat: Bool, containerDuration: Double?
    ) -> StreamInfo {
        let stream = pointer.pointee
        let parameters = stream.codecpar.pointee
        let timeBase = Rational(stream.time_base)
        let duration =
            stream.duration != FACET_AV_NOPTS_VALUE && stream.duration > 0
            ? Double(stream.duration) * av_q2d(stream.time_base) : nil
        let startTime =
            stream.start_time != FACET_AV_NOPTS_VALUE
            ? Double(stream.start_time) * av_q2d(stream.time_base) : nil
        let codecName = String(cString: avcodec_get_name(parameters.codec_id))
        var info = StreamInfo(
            index: Int(stream.index), kind: StreamKind(parameters.codec_type),
            codecName: codecName, timeBase: timeBase, duration: duration, startTime: startTime,
            bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil,
            language: metadataValue(stream.metadata, "language"))

        switch parameters.codec_type {
        case AVMEDIA_TYPE_VIDEO:
            let real = Rational(stream.r_frame_rate)
            let average = Rational(stream.avg_frame_rate)
            let rate = average.isValid ? average.value : (real.isValid ? real.value : 0)
            let anyDuration = duration ?? containerDuration
            var frames = stream.nb_frames > 0 ? Int(stream.nb_frames) : 0
            if frames == 0, let anyDuration, rate > 0 {
                frames = Int((anyDuration * rate).rounded())
            }
            let imageCodec = stillImageCodecs.contains(parameters.codec_id.rawValue)
            let isStill = stillFormat || (imageCodec && stream.nb_frames <= 1 && frames <= 1)
            if isStill && frames == 0 { frames = 1 }
            info.video = VideoStreamInfo(
                streamIndex: Int(stream.index), codecName: codecName,
                width: Int(parameters.width), height: Int(parameters.height),
                pixelFormat: pixelFormatName(AVPixelFormat(rawValue: parameters.format)),
                realFrameRate: real, averageFrameRate: average, frameRate: rate,
                estimatedFrameCount: frames > 0 ? frames : nil, timeBase: timeBase,
                startPTS: stream.start_time != FACET_AV_NOPTS_VALUE ? stream.start_time : 0,
                duration: duration,
                sampleAspectRatio: Rational(
                    stream.sample_aspect_ratio.num != 0
                        ? stream.sample_aspect_ratio
                        : parameters.sample_aspect_ratio),
                rotation: rotation(of: pointer),
                isVariableFrameRate: real.isValid && average.isValid
                    && av_cmp_q(stream.r_frame_rate, stream.avg_frame_rate) != 0,
                isStillImage: isStill,
                colorRange: name(av_color_range_name(parameters.color_range), unless: parameters.color_range == AVCOL_RANGE_UNSPECIFIED),
                colorSpace: name(av_color_space_name(parameters.color_space), unless: parameters.color_space == AVCOL_SPC_UNSPECIFIED),
                colorPrimaries: name(
                    av_color_primaries_name(parameters.color_primaries), unless: parameters.color_primaries == AVCOL_PRI_UNSPECIFIED),
                colorTransfer: name(av_color_transfer_name(parameters.color_trc), unless: parameters.color_trc == AVCOL_TRC_UNSPECIFIED),
                bitRate: info.bitRate)
        case AVMEDIA_TYPE_AUDIO:
            var layout = parameters.ch_layout
            var description = [CChar](repeating: 0, count: 128)
            let described = av_channel_layout_describe(&layout, &description, description.count)
            info.audio = AudioStreamInfo(
                streamIndex: Int(stream.index), codecName: codecName,
                sampleRate: Int(parameters.sample_rate),
                channels: Int(parameters.ch_layout.nb_channels),
                channelLayout: described >= 0
                    ? description.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                    : "\(parameters.ch_layout.nb_channels) channels",
                sampleFormat: av_get_sample_fmt_name(AVSampleFormat(rawValue: parameters.format))
                    .map { String(cString: $0) } ?? "none",
                timeBase: timeBase, startTime: startTime, duration: duration,
                bitRate: info.bitRate)
        default:
            break
        }
        return info
    }

    /// Rotation in degrees (counter-clockwise) from the stream's display matrix, 0 when none.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Double {
        guard let matrix = displayMatrix(of: stream) else { return 0 }
        let degrees = matrix.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress) }
        guard degrees.isFinite else { return 0 }
        let rounded = degrees.rounded()
        let value = abs(degrees - rounded) < 1e-6 ? rounded : degrees
        return value == 0 ? 0 : value  // no -0
    }

    /// The stream's display matrix side data (9 Int32 values), if present.
    static func displayMatrix(of stream: UnsafeMutablePointer<AVStream>) -> [Int32]? {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size),
            size >= 36
        else { return nil }
        return data.withMemoryRebound(to: Int32.self, capacity: 9) { Array(UnsafeBufferPointer(start: $0, count: 9)) }
    }

    // MARK: - Helpers

    /// Demuxers that read exactly one picture.
    static func isStillImageFormat(_ name: String) -> Bool {
        name == "image2" || name.hasSuffix("_pipe")
    }

    /// Codecs whose single-frame streams are pictures rather than videos.
    private static let stillImageCodecs: Set<UInt32> = Set(
        [
            AV_CODEC_ID_PNG, AV_CODEC_ID_MJPEG, AV_CODEC_ID_BMP, AV_CODEC_ID_TIFF, AV_CODEC_ID_WEBP,
            AV_CODEC_ID_JPEG2000, AV_CODEC_ID_JPEGLS, AV_CODEC_ID_GIF, AV_CODEC_ID_PPM,
            AV_CODEC_ID_PGM, AV_CODEC_ID_TARGA, AV_CODEC_ID_QOI, AV_CODEC_ID_JPEGXL,
        ].map(\.rawValue))

    private static func seconds(_ value: Int64) -> Double? {
        value == FACET_AV_NOPTS_VALUE ? nil : Double(value) / Double(AV_TIME_BASE)
    }

    private static func name(_ cString: UnsafePointer<CChar>?, unless unspecified: Bool) -> String? {
        guard !unspecified, let cString else { return nil }
        return String(cString: cString)
    }

    private static func metadataValue(_ dictionary: OpaquePointer?, _ key: String) -> String? {
        guard let entry = av_dict_get(dictionary, key, nil, 0), let value = entry.pointee.value
        else { return nil }
        return String(cString: value)
    }
}

extension Rational {
    /// From an FFmpeg `AVRational`.
    init(_ value: AVRational) { self.init(Int(value.num), Int(value.den)) }
    /// As an FFmpeg `AVRational`.
    var av: AVRational { AVRational(num: Int32(num), den: Int32(den)) }
}

extension StreamKind {
    init(_ type: AVMediaType) {
        switch type {
        case AVMEDIA_TYPE_VIDEO: self = .video
        case AVMEDIA_TYPE_AUDIO: self = .audio
        case AVMEDIA_TYPE_SUBTITLE: self = .subtitle
        case AVMEDIA_TYPE_DATA: self = .data
        case AVMEDIA_TYPE_ATTACHMENT: self = .attachment
        default: self = .unknown
        }
    }
}
