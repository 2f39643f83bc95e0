import CFFmpeg
import Foundation

/// Moves one audio stream from a source file into an output file, a little at a time, so that
/// it interleaves with the video being written: copied packet for packet when the container
/// accepts the codec, else decoded, resampled and re-encoded as AAC.
final class AudioPump {
    /// How the audio is handled.
    let handling: AudioHandling
    /// Warnings collected while pumping.
    private(set) var warnings: [String] = []

    private let input: InputFile
    private let inStream: UnsafeMutablePointer<AVStream>
    private let outStream: UnsafeMutablePointer<AVStream>
    private let output: OutputFile
    /// Subtracted from source timestamps (source time base): the start time of the audio.
    private let zero: Int64
    /// Source timestamps at or after this (source time base) are dropped.
    private let limit: Int64?
    private let packet = Packet()
    private var hasPending = false
    private var ended = false
    private let transcoder: AudioTranscoder?
    private var copiedEnd: Int64 = 0

    /// Opens the audio source; nil when the file has no audio stream and none was asked for.
    init?(source: AudioInput, output: OutputFile) throws(MediaError) {
        input = try InputFile(source.url)
        let index: Int
        if let asked = source.streamIndex {
            guard asked >= 0, asked < input.streamCount,
                input.stream(asked).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
            else {
                let summary = MediaProbe.describe(input).streamSummary
                throw MediaError(
                    .invalidArgument,
                    "stream #\(asked) of \(source.url.path) is not an audio stream; it has \(summary)",
                    path: source.url.path)
            }
            index = asked
        } else {
            guard let best = input.bestStream(AVMEDIA_TYPE_AUDIO) else { return nil }
            index = best
        }
        input.discardAll(except: index)
        inStream = input.stream(index)
        self.output = output
        let timeBase = inStream.pointee.time_base
        let streamStart = inStream.pointee.start_time != FACET_AV_NOPTS_VALUE ? inStream.pointee.start_time : 0
        let zero =
            source.startTime.map { av_rescale_q(Int64(($0 * 1_000_000).rounded()), facet_av_time_base_q(), timeBase) }
            ?? streamStart
        self.zero = zero
        limit = source.maxDuration.map {
            zero + av_rescale_q(Int64(($0 * 1_000_000).rounded()), facet_av_time_base_q(), timeBase)
        }
        let parameters = inStream.pointee.codecpar!
        let codecName = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        outStream = output.newStream()

        if output.accepts(parameters) {
            try check(
                avcodec_parameters_copy(outStream.pointee.codecpar, parameters),
                "copy the audio stream parameters", code: .encodeFailed, path: source.url.path)
            outStream.pointee.codecpar.pointee.codec_tag = 0
            outStream.pointee.time_base = timeBase
            transcoder = nil
            handling = .copied(codecName)
        } else {
            let transcoder = try AudioTranscoder(
                stream: inStream, path: input.path,
                globalHeader: output.wantsGlobalHeader)
            try check(
                avcodec_parameters_from_context(outStream.pointee.codecpar, transcoder.encoder.pointer),
                "copy the AAC encoder parameters to the output stream", code: .encodeFailed)
            outStream.pointee.time_base = transcoder.encoder.pointer.pointee.time_base
            self.transcoder = transcoder
            handling = .transcoded(from: codecName, to: "aac")
            let muxer = String(cString: output.context.pointee.oformat.pointee.name)
            warnings.append(
                "the audio codec \(codecName) cannot be stored in \(muxer); transcoded to AAC \(transcoder.bitRate / 1000) kb/s \(transcoder.sampleRate) Hz"
            )
        }
        if let language = av_dict_get(inStream.pointee.metadata, "language", nil, 0) {
            av_dict_set(&outStream.pointee.metadata, "language", language.pointee.value, 0)
        }
    }

    /// Seconds of audio written so far.
    var writtenDuration: Double {
        if let transcoder { return transcoder.writtenDuration }
        return Double(copiedEnd) * av_q2d(inStream.pointee.time_base)
    }

    /// Writes source audio whose start time (seconds from the video start) is at most `time`
    /// (nil: all of it).
    func pump(upTo time: Double?) throws(MediaError) {
        let target =
            time.map {
                zero
                    + av_rescale_q(
                        Int64(($0 * 1_000_000).rounded()), facet_av_time_base_q(),
                        inStream.pointee.time_base)
            } ?? Int64.max
        while !ended {
            if !hasPending {
                readPacket()
                if ended { break }
            }
            let stamp = packetStamp()
            if stamp > target { return }
            hasPending = false
            try process()
        }
    }

    /// Writes everything left (up to the duration limit) and flushes the encoder.
    func finish() throws(MediaError) {
        try pump(upTo: nil)
        if let transcoder {
            try transcoder.finish(limitSamples: limitSamples) { (packet) throws(MediaError) in
                try self.write(encoded: packet)
            }
            if transcoder.decodeErrors > 0 {
                warnings.append("\(transcoder.decodeErrors) damaged audio packet(s) in \(input.path) were skipped")
            }
        }
    }

    // MARK: - Reading

    private func readPacket() {
        while true {
            let status = av_read_frame(input.context, packet.pointer)
            if status < 0 {
                if status != FACET_AVERROR_EOF {
                    warnings.append("reading audio from \(input.path) stopped early: \(ffmpegErrorString(status))")
                }
                ended = true
                return
            }
            if packet.pointer.pointee.stream_index == inStream.pointee.index {
                if let limit, packetStamp() >= limit {
                    packet.unref()
                    ended = true
                    return
                }
                hasPending = true
                return
            }
            packet.unref()
        }
    }

    private func packetStamp() -> Int64 {
        let pointee = packet.pointer.pointee
        if pointee.pts != FACET_AV_NOPTS_VALUE { return pointee.pts }
        if pointee.dts != FACET_AV_NOPTS_VALUE { return pointee.dts }
        return zero
    }

    // MARK: - Copy or transcode

    private func process() throws(MediaError) {
        if let transcoder {
            try transcoder.decode(packet, zero: zero, limitSamples: limitSamples) { (encoded) throws(MediaError) in
                try self.write(encoded: encoded)
            }
            packet.unref()
            return
        }
        let pointee = packet.pointer.pointee
        let end = (pointee.pts != FACET_AV_NOPTS_VALUE ? pointee.pts : pointee.dts) + pointee.duration - zero
        if end <= 0 {
            packet.unref()  // entirely before the video's first frame
            return
        }
        copiedEnd = max(copiedEnd, end)
        if pointee.pts != FACET_AV_NOPTS_VALUE { packet.pointer.pointee.pts -= zero }
        if pointee.dts != FACET_AV_NOPTS_VALUE { packet.pointer.pointee.dts -= zero }
        packet.pointer.pointee.pos = -1
        av_packet_rescale_ts(packet.pointer, inStream.pointee.time_base, outStream.pointee.time_base)
        packet.pointer.pointee.stream_index = outStream.pointee.index
        try output.write(packet)
    }

    private func write(encoded: Packet) throws(MediaError) {
        guard let transcoder else { return }
        av_packet_rescale_ts(
            encoded.pointer, transcoder.encoder.pointer.pointee.time_base,
            outStream.pointee.time_base)
        encoded.pointer.pointee.stream_index = outStream.pointee.index
        try output.write(encoded)
    }

    /// The duration limit in output samples, for the transcoder.
    private var limitSamples: Int64? {
        guard let limit, let transcoder else { return nil }
        return av_rescale_q(
            limit - zero, inStream.pointee.time_base,
            AVRational(num: 1, den: Int32(transcoder.sampleRate)))
    }
}

// MARK: - Transcoding

/// Decode -> swresample -> sample FIFO -> AAC encoder, with sample-exact timestamps.
final class AudioTranscoder {
    let decoder: CodecContext
    let encoder: CodecContext
    let sampleRate: Int
    let bitRate: Int
    private let inTimeBase: AVRational
    private var resampler: OpaquePointer? = nil
    private var resamplerInput: (format: Int32, rate: Int32, layout: AVChannelLayout)? = nil
    private let fifo: OpaquePointer
    private let decoded = Frame()
    private let resampled = Frame()
    private var resampledCapacity: Int32 = 0
    private let chunk = Frame()
    private let packet = Packet()
    /// Output position (samples from the video start) of the first sample in the FIFO; nil until
    /// the first decoded frame sets it.
    private var fifoStart: Int64? = nil
    private var samplesWritten: Int64 = 0
    private var firstSample: Int64? = nil
    private(set) var decodeErrors = 0

    /// AAC's sample rates; others are resampled to 48 kHz.
    private static let aacRates: Set<Int32> = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000,
        22050, 16000, 12000, 11025, 8000, 7350,
    ]

    init(stream: UnsafeMutablePointer<AVStream>, path: String, globalHeader: Bool) throws(MediaError) {
        decoder = try CodecContext.decoder(for: stream, path: path, threads: 1)
        inTimeBase = stream.pointee.time_base
        guard let aac = avcodec_find_encoder(AV_CODEC_ID_AAC) else {
            throw MediaError(.unsupported, "this FFmpeg build has no AAC encoder", path: path)
        }
        encoder = CodecContext(aac)
        let source = decoder.pointer.pointee
        sampleRate = Self.aacRates.contains(source.sample_rate) ? Int(source.sample_rate) : 48000
        let channels = max(1, min(Int(source.ch_layout.nb_channels), 8))
        bitRate = channels <= 2 ? 128_000 : 64_000 * channels
        let context = encoder.pointer
        context.pointee.sample_rate = Int32(sampleRate)
        context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        context.pointee.bit_rate = Int64(bitRate)
        context.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
        facet_default_channel_layout(&context.pointee.ch_layout, Int32(channels))
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
        try check(
            avcodec_open2(context, aac, nil),
            "open the AAC encoder (\(channels) channels, \(sampleRate) Hz)", code: .encodeFailed, path: path)
        guard let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, Int32(channels), 4096) else {
            fatalError("av_audio_fifo_alloc: out of memory")
        }
        self.fifo = fifo
        let frameSize = context.pointee.frame_size > 0 ? context.pointee.frame_size : 1024
        chunk.pointer.pointee.nb_samples = frameSize
        chunk.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        chunk.pointer.pointee.sample_rate = Int32(sampleRate)
        av_channel_layout_copy(&chunk.pointer.pointee.ch_layout, &context.pointee.ch_layout)
        try check(av_frame_get_buffer(chunk.pointer, 0), "allocate an audio frame", code: .encodeFailed)
    }

    deinit {
        swr_free(&resampler)
        av_audio_fifo_free(fifo)
    }

    /// Seconds of audio encoded so far.
    var writtenDuration: Double { Double(samplesWritten) / Double(sampleRate) }

    /// Decodes one packet and encodes all complete AAC frames that result.
    func decode(
        _ packet: Packet, zero: Int64, limitSamples: Int64?,
        emit: (Packet) throws(MediaError) -> Void
    ) throws(MediaError) {
        let sent = avcodec_send_packet(decoder.pointer, packet.pointer)
        if sent < 0 && sent != FACET_AVERROR_EAGAIN { decodeErrors += 1 }
        try receiveDecoded(zero: zero)
        try encodeAvailable(final: false, limitSamples: limitSamples, emit: emit)
    }

    /// Flushes decoder, resampler and encoder.
    func finish(limitSamples: Int64?, emit: (Packet) throws(MediaError) -> Void) throws(MediaError) {
        avcodec_send_packet(decoder.pointer, nil)
        try receiveDecoded(zero: nil)
        if let resampler {
            // Drain the resampler's delay.
            while true {
                try prepareResampled(for: 0)
                let produced = swr_convert(
                    resampler, resampled.pointer.pointee.extended_data,
                    resampledCapacity, nil, 0)
                if produced <= 0 { break }
                resampled.pointer.pointee.nb_samples = produced
                try pushResampled()
            }
        }
        try encodeAvailable(final: true, limitSamples: limitSamples, emit: emit)
        avcodec_send_frame(encoder.pointer, nil)
        try drainEncoder(emit: emit)
    }

    // MARK: - Steps

    private var zeroTicks: Int64 = 0

    private func receiveDecoded(zero: Int64?) throws(MediaError) {
        if let zero { zeroTicks = zero }
        while true {
            let status = avcodec_receive_frame(decoder.pointer, decoded.pointer)
            if status == FACET_AVERROR_EAGAIN || status == FACET_AVERROR_EOF { return }
            if status < 0 {
                decodeErrors += 1
                return
            }
            defer { av_frame_unref(decoded.pointer) }
            if fifoStart == nil {
                var pts = decoded.pointer.pointee.best_effort_timestamp
                if pts == FACET_AV_NOPTS_VALUE { pts = zeroTicks }
                fifoStart = av_rescale_q(
                    pts - zeroTicks, inTimeBase,
                    AVRational(num: 1, den: Int32(sampleRate)))
            }
            try configureResampler(for: decoded.pointer)
            try prepareResampled(for: decoded.pointer.pointee.nb_samples)
            let inputs = decoded.pointer.pointee.extended_data.map {
                UnsafeMutableRawPointer($0).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            }
            let produced = swr_convert(
                resampler, resampled.pointer.pointee.extended_data, resampledCapacity,
                inputs, decoded.pointer.pointee.nb_samples)
            try check(produced, "resample audio", code: .encodeFailed)
            resampled.pointer.pointee.nb_samples = produced
            try pushResampled()
        }
    }

    private func configureResampler(for frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let pointee = frame.pointee
        if let current = resamplerInput, current.format == pointee.format, current.rate == pointee.sample_rate {
            var layout = current.layout
            var frameLayout = pointee.ch_layout
            if av_channel_layout_compare(&layout, &frameLayout) == 0 { return }
        }
        swr_free(&resampler)
        var inLayout = pointee.ch_layout
        if inLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            facet_default_channel_layout(&inLayout, inLayout.nb_channels)
        }
        try check(
            swr_alloc_set_opts2(
                &resampler, &encoder.pointer.pointee.ch_layout, AV_SAMPLE_FMT_FLTP,
                Int32(sampleRate), &inLayout,
                AVSampleFormat(rawValue: pointee.format), pointee.sample_rate, 0, nil),
            "set up audio resampling", code: .encodeFailed)
        try check(swr_init(resampler), "set up audio resampling", code: .encodeFailed)
        resamplerInput = (pointee.format, pointee.sample_rate, pointee.ch_layout)
    }

    /// Makes sure `resampled` has room for the output of `inputSamples` more samples.
    private func prepareResampled(for inputSamples: Int32) throws(MediaError) {
        let needed = max(swr_get_out_samples(resampler, inputSamples) + 32, 1024)
        if needed > resampledCapacity {
            av_frame_unref(resampled.pointer)
            resampled.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
            resampled.pointer.pointee.sample_rate = Int32(sampleRate)
            av_channel_layout_copy(&resampled.pointer.pointee.ch_layout, &encoder.pointer.pointee.ch_layout)
            resampled.pointer.pointee.nb_samples = needed + needed / 2
            try check(av_frame_get_buffer(resampled.pointer, 0), "allocate an audio buffer", code: .encodeFailed)
            resampledCapacity = resampled.pointer.pointee.nb_samples
        }
        resampled.pointer.pointee.nb_samples = resampledCapacity
    }

    private func pushResampled() throws(MediaError) {
        let count = resampled.pointer.pointee.nb_samples
        guard count > 0 else { return }
        let written = facet_audio_fifo_write_frame(fifo, resampled.pointer)
        if written < count { throw MediaError(.encodeFailed, "could not queue \(count) audio samples") }
    }

    /// Encodes whole frames from the FIFO (and the last partial one when `final`).
    private func encodeAvailable(
        final: Bool, limitSamples: Int64?,
        emit: (Packet) throws(MediaError) -> Void
    ) throws(MediaError) {
        guard var start = fifoStart else { return }
        // Samples before the video start are dropped.
        if start < 0 {
            let drop = Int32(min(-start, Int64(av_audio_fifo_size(fifo))))
            av_audio_fifo_drain(fifo, drop)
            start += Int64(drop)
            fifoStart = start
            if start < 0 { return }
        }
        let frameSize = encoder.pointer.pointee.frame_size > 0 ? encoder.pointer.pointee.frame_size : 1024
        while true {
            var available = av_audio_fifo_size(fifo)
            if let limitSamples {
                let room = max(0, limitSamples - start)
                if Int64(available) > room { available = Int32(room) }
            }
            if available <= 0 || (available < frameSize && !final) { break }
            let count = min(available, frameSize)
            try check(av_frame_make_writable(chunk.pointer), "prepare an audio frame", code: .encodeFailed)
            chunk.pointer.pointee.nb_samples = count
            let read = facet_audio_fifo_read_frame(fifo, chunk.pointer, count)
            if read < count { throw MediaError(.encodeFailed, "audio FIFO returned \(read) of \(count) samples") }
            chunk.pointer.pointee.pts = start
            if firstSample == nil { firstSample = start }
            start += Int64(count)
            fifoStart = start
            samplesWritten = start - (firstSample ?? 0)
            try check(avcodec_send_frame(encoder.pointer, chunk.pointer), "encode AAC audio", code: .encodeFailed)
            try drainEncoder(emit: emit)
            if let limitSamples, start >= limitSamples {
                av_audio_fifo_reset(fifo)
                break
            }
        }
    }

    private func drainEncoder(emit: (Packet) throws(MediaError) -> Void) throws(MediaError) {
        while true {
            let status = avcodec_receive_packet(encoder.pointer, packet.pointer)
            if status == FACET_AVERROR_EAGAIN || status == FACET_AVERROR_EOF { return }
            try check(status, "encode AAC audio", code: .encodeFailed)
            try emit(packet)
            packet.unref()
        }
    }
}
