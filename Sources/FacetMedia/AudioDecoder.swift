import CFFmpeg
import Foundation

/// Decodes a file's audio to mono float samples (for effects that listen to speech).
public enum AudioDecoder {
    /// Decodes one audio stream of `url` to mono 32-bit float PCM at `sampleRate`.
    ///
    /// - Parameters:
    ///   - url: any media file with audio (a video's own soundtrack, WAV, M4A, ...).
    ///   - sampleRate: output rate in Hz (16 kHz suits speech models).
    ///   - streamIndex: the stream to decode; nil = the best audio stream.
    /// - Returns: the samples (channels averaged), their rate, and `startTime`: the time of the
    ///   first sample in seconds on the same clock as `VideoFrame.time` of the file's video
    ///   (relative to the video stream's start; to the audio stream's start without video).
    /// - Throws: `fileNotFound`, `notMedia`, `noAudioStream` (listing the streams there are),
    ///   `decodeFailed` when nothing decodes.
    public static func decodePCM(
        url: URL, sampleRate: Int = 16000,
        streamIndex: Int? = nil
    ) throws(MediaError) -> (samples: [Float], sampleRate: Int, startTime: Double) {
        guard sampleRate >= 1000, sampleRate <= 384_000 else {
            throw MediaError(
                .invalidArgument, "the sample rate must be between 1000 and 384000 Hz; got \(sampleRate)",
                path: url.path)
        }
        let input = try InputFile(url)
        let index = try audioStream(of: input, asked: streamIndex)
        let stream = input.stream(index)
        let origin = clockOrigin(of: input, audio: stream)
        input.discardAll(except: index)
        let decoder = try CodecContext.decoder(for: stream, path: input.path, threads: 1)
        let state = Resampling(sampleRate: Int32(sampleRate))
        let packet = Packet()
        let frame = Frame()
        var samples: [Float] = []
        if stream.pointee.duration > 0 {
            let seconds = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
            samples.reserveCapacity(Int(seconds * Double(sampleRate)) + sampleRate)
        }
        var firstTime: Double? = nil
        var errors = 0
        var ended = false

        func receive() throws(MediaError) {
            while true {
                let status = avcodec_receive_frame(decoder.pointer, frame.pointer)
                if status == FACET_AVERROR_EAGAIN || status == FACET_AVERROR_EOF { return }
                if status < 0 {
                    errors += 1
                    return
                }
                if firstTime == nil {
                    let pts = frame.pointer.pointee.best_effort_timestamp
                    firstTime =
                        pts == FACET_AV_NOPTS_VALUE
                        ? 0
                        : Double(pts) * av_q2d(stream.pointee.time_base) - origin
                }
                try state.convert(frame.pointer, into: &samples)
                av_frame_unref(frame.pointer)
            }
        }

        while !ended {
            let status = av_read_frame(input.context, packet.pointer)
            if status < 0 {
                ended = true
                avcodec_send_packet(decoder.pointer, nil)
            } else {
                defer { packet.unref() }
                if Int(packet.pointer.pointee.stream_index) != index { continue }
                let sent = avcodec_send_packet(decoder.pointer, packet.pointer)
                if sent < 0 && sent != FACET_AVERROR_EAGAIN { errors += 1 }
            }
            try receive()
        }
        try state.flush(into: &samples)
        if firstTime == nil {
            throw MediaError(
                .decodeFailed,
                "no audio could be decoded from stream #\(index) of \(url.path) (\(errors) decode errors); expected decodable audio",
                path: url.path)
        }
        return (samples, sampleRate, firstTime ?? 0)
    }

    /// The audio stream to decode; throws `noAudioStream` listing what the file has.
    static func audioStream(of input: InputFile, asked: Int?) throws(MediaError) -> Int {
        if let asked {
            if asked >= 0, asked < input.streamCount,
                input.stream(asked).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
            {
                return asked
            }
            throw MediaError(
                .noAudioStream,
                "stream #\(asked) of \(input.path) is not an audio stream; it has \(MediaProbe.describe(input).streamSummary)",
                path: input.path)
        }
        guard let best = input.bestStream(AVMEDIA_TYPE_AUDIO) else {
            throw MediaError(
                .noAudioStream,
                "\(input.path) has no audio stream (it has \(MediaProbe.describe(input).streamSummary)); expected a file with sound",
                path: input.path)
        }
        return best
    }

    /// Seconds subtracted from audio timestamps: the video stream's start, else the audio's.
    private static func clockOrigin(of input: InputFile, audio: UnsafeMutablePointer<AVStream>) -> Double {
        let reference = input.bestStream(AVMEDIA_TYPE_VIDEO).map { input.stream($0) } ?? audio
        let start = reference.pointee.start_time
        return start == FACET_AV_NOPTS_VALUE ? 0 : Double(start) * av_q2d(reference.pointee.time_base)
    }
}

/// swresample to mono float, re-created when the input format changes.
private final class Resampling {
    private let sampleRate: Int32
    private var context: OpaquePointer? = nil
    private var inputKey: (format: Int32, rate: Int32, channels: Int32)? = nil
    private var buffer: [Float] = []

    init(sampleRate: Int32) { self.sampleRate = sampleRate }

    deinit { swr_free(&context) }

    /// Appends the resampled samples of `frame` to `samples`.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, into samples: inout [Float]) throws(MediaError) {
        let pointee = frame.pointee
        if inputKey == nil || inputKey! != (pointee.format, pointee.sample_rate, pointee.ch_layout.nb_channels) {
            try flush(into: &samples)
            swr_free(&context)
            var inLayout = pointee.ch_layout
            if inLayout.order == AV_CHANNEL_ORDER_UNSPEC {
                facet_default_channel_layout(&inLayout, inLayout.nb_channels)
            }
            var mono = AVChannelLayout()
            facet_default_channel_layout(&mono, 1)
            try check(
                swr_alloc_set_opts2(
                    &context, &mono, AV_SAMPLE_FMT_FLT, sampleRate, &inLayout,
                    AVSampleFormat(rawValue: pointee.format), pointee.sample_rate, 0, nil),
                "set up audio resampling to mono \(sampleRate) Hz", code: .decodeFailed)
            try check(swr_init(context), "set up audio resampling to mono \(sampleRate) Hz", code: .decodeFailed)
            inputKey = (pointee.format, pointee.sample_rate, pointee.ch_layout.nb_channels)
        }
        try run(input: pointee.extended_data, count: pointee.nb_samples, into: &samples)
    }

    /// Appends the samples still held in the resampler.
    func flush(into samples: inout [Float]) throws(MediaError) {
        guard context != nil else { return }
        try run(input: nil, count: 0, into: &samples)
    }

    private func run(
        input: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, count: Int32,
        into samples: inout [Float]
    ) throws(MediaError) {
        let capacity = Int(swr_get_out_samples(context, count)) + 32
        if buffer.count < capacity { buffer = [Float](repeating: 0, count: capacity) }
        let produced = buffer.withUnsafeMutableBytes { raw -> Int32 in
            var output: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return withUnsafeMutablePointer(to: &output) { outputs in
                let inputs = input.map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                }
                return swr_convert(context, outputs, Int32(capacity), inputs, count)
            }
        }
        try check(produced, "resample audio", code: .decodeFailed)
        samples.append(contentsOf: buffer[0..<Int(produced)])
    }
}
