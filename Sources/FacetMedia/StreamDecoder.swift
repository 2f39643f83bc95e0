import CFFmpeg
import Foundation

/// One decoded picture with its timestamp, as it leaves the decoder.
struct DecodedPicture: Sendable {
    /// The picture.
    var frame: Frame
    /// Presentation timestamp in the stream time base (synthesized when the stream has none).
    var pts: Int64
    /// Whether the decoder flagged it as damaged.
    var isDamaged: Bool
}

/// Pulls decoded pictures out of one stream of an input file, counting damage and going on.
///
/// `@unchecked Sendable`: built on the caller's thread, then used by the decode thread only.
final class StreamDecoder: @unchecked Sendable {
    let input: InputFile
    let codec: CodecContext
    let streamIndex: Int
    let timeBase: AVRational
    let startPTS: Int64
    /// What went wrong so far.
    private(set) var damage = DecodeDamage()
    /// Incremented whenever `damage` changes (so a copy can be published only then).
    private(set) var damageVersion = 0
    /// Pictures returned so far.
    private(set) var framesDecoded = 0
    /// Packets of our stream read so far.
    private(set) var packetsRead = 0

    private let packet = Packet()
    private var spare: Frame? = nil
    private var draining = false
    private var finished = false
    private var consecutiveReadErrors = 0
    private var lastPTS: Int64? = nil
    private var endReported = false
    /// One frame's duration in the stream time base (used to synthesize missing timestamps).
    private let frameDuration: Int64

    init(input: InputFile, streamIndex: Int) throws(MediaError) {
        self.input = input
        self.streamIndex = streamIndex
        let stream = input.stream(streamIndex)
        codec = try CodecContext.decoder(for: stream, path: input.path)
        timeBase = stream.pointee.time_base
        startPTS = stream.pointee.start_time != FACET_AV_NOPTS_VALUE ? stream.pointee.start_time : 0
        var rate = stream.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        frameDuration = max(1, av_rescale_q(1, av_inv_q(rate), timeBase))
        input.discardAll(except: streamIndex)
    }

    /// Moves to the keyframe at or before `pts` (stream time base): the next picture is decoded
    /// from there. Throws `decodeFailed` when the container cannot seek.
    func seek(toKeyframeAtOrBefore pts: Int64) throws(MediaError) {
        let status = av_seek_frame(input.context, Int32(streamIndex), pts, AVSEEK_FLAG_BACKWARD)
        guard status >= 0 else {
            throw MediaError(
                .decodeFailed, "\(input.path): cannot seek to timestamp \(pts); expected a seekable video file", path: input.path)
        }
        avcodec_flush_buffers(codec.pointer)
    }

    /// The next picture; nil at the end. Throws `decodeFailed` only when the stream ended
    /// without a single picture.
    func next() throws(MediaError) -> DecodedPicture? {
        while !finished {
            let frame = spare ?? Frame()
            spare = nil
            let received = avcodec_receive_frame(codec.pointer, frame.pointer)
            if received == 0 {
                return deliver(frame)
            }
            spare = frame
            if received == FACET_AVERROR_EOF {
                finished = true
                break
            }
            if received != FACET_AVERROR_EAGAIN {
                record(decodeError: received, time: lastPTS.map(seconds))
                if draining { continue }
            }
            if draining {
                // EAGAIN while draining cannot happen; end rather than spin.
                finished = true
                break
            }
            feed()
        }
        if framesDecoded == 0 {
            throw noPictureError()
        }
        checkEndedEarly()
        return nil
    }

    // MARK: - Input side

    /// Reads the next packet of our stream and sends it; starts draining at end of input.
    private func feed() {
        let status = av_read_frame(input.context, packet.pointer)
        if status < 0 {
            if status == FACET_AVERROR_EAGAIN { return }
            if status != FACET_AVERROR_EOF {
                consecutiveReadErrors += 1
                damage.readErrors += 1
                damage.note("read error: \(ffmpegErrorString(status))", at: lastPTS.map(seconds))
                damageVersion += 1
                let atEnd = input.context.pointee.pb.map { avio_feof($0) != 0 } ?? true
                if !atEnd && consecutiveReadErrors < 32 { return }
            }
            draining = true
            avcodec_send_packet(codec.pointer, nil)
            return
        }
        consecutiveReadErrors = 0
        defer { packet.unref() }
        guard Int(packet.pointer.pointee.stream_index) == streamIndex else { return }
        packetsRead += 1
        let time = packetTime()
        if packet.pointer.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
            damage.corruptPackets += 1
            damage.note("packet flagged corrupt by the demuxer", at: time)
            damageVersion += 1
        }
        let sent = avcodec_send_packet(codec.pointer, packet.pointer)
        if sent < 0 && sent != FACET_AVERROR_EAGAIN && sent != FACET_AVERROR_EOF {
            damage.corruptPackets += 1
            record(decodeError: sent, time: time)
        }
    }

    private func packetTime() -> Double? {
        let pointee = packet.pointer.pointee
        let stamp = pointee.pts != FACET_AV_NOPTS_VALUE ? pointee.pts : pointee.dts
        return stamp == FACET_AV_NOPTS_VALUE ? nil : seconds(stamp)
    }

    // MARK: - Output side

    private func deliver(_ frame: Frame) -> DecodedPicture {
        let pointee = frame.pointer.pointee
        var pts = pointee.best_effort_timestamp
        if pts == FACET_AV_NOPTS_VALUE { pts = pointee.pts }
        if pts == FACET_AV_NOPTS_VALUE { pts = lastPTS.map { $0 + frameDuration } ?? startPTS }
        if let lastPTS, pts <= lastPTS {
            // Keep timestamps strictly increasing (the encoder requires it).
            pts = lastPTS + 1
        }
        lastPTS = pts
        framesDecoded += 1
        let damaged =
            pointee.decode_error_flags != 0
            || (pointee.flags & FACET_AV_FRAME_FLAG_CORRUPT) != 0
        if damaged {
            damage.damagedFrames += 1
            damage.note("frame \(framesDecoded - 1) decoded with concealed errors", at: seconds(pts))
            damageVersion += 1
        }
        return DecodedPicture(frame: frame, pts: pts, isDamaged: damaged)
    }

    /// Notes a stream that stopped more than half a second (and 5 %) short of the duration
    /// the container announced.
    private func checkEndedEarly() {
        guard !endReported, let lastPTS else { return }
        endReported = true
        let stream = input.stream(streamIndex).pointee
        var expected: Double? = nil
        if stream.duration != FACET_AV_NOPTS_VALUE && stream.duration > 0 {
            expected = Double(stream.duration) * av_q2d(timeBase)
        } else if input.context.pointee.duration != FACET_AV_NOPTS_VALUE && input.context.pointee.duration > 0 {
            expected = Double(input.context.pointee.duration) / Double(AV_TIME_BASE)
        }
        let reached = seconds(lastPTS + frameDuration)
        guard let expected, reached < expected - max(0.5, 0.05 * expected) else { return }
        damage.endedEarly = true
        damage.note(
            String(
                format: "the stream ended at %.3f s but the container announced %.3f s (truncated file?)",
                reached, expected), at: reached)
        damageVersion += 1
    }

    private func record(decodeError status: Int32, time: Double?) {
        damage.decodeErrors += 1
        damage.note("\(codec.name) decoder: \(ffmpegErrorString(status))", at: time)
        damageVersion += 1
    }

    private func seconds(_ pts: Int64) -> Double {
        Double(pts - startPTS) * av_q2d(timeBase)
    }

    private func noPictureError() -> MediaError {
        let stream = input.stream(streamIndex).pointee
        let parameters = stream.codecpar.pointee
        let codecName = String(cString: avcodec_get_name(parameters.codec_id))
        var message =
            "no frame of video stream #\(streamIndex) (\(codecName) "
            + "\(parameters.width)x\(parameters.height)) could be decoded from \(input.path): "
            + "\(packetsRead) packet(s) read"
        if !damage.isEmpty { message += ", \(damage)" }
        if let first = damage.messages.first { message += "; first problem: \(first)" }
        message += "; expected at least one decodable picture"
        return MediaError(.decodeFailed, message, path: input.path)
    }
}
