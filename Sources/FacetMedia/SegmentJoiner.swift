import CFFmpeg
import Foundation

/// Joins separately encoded pieces of one video by stream copy, the way chunked encoders stitch
/// a title: the H.264 packets of every segment file in order, each segment placed at the time its
/// first frame has in the whole video, and the soundtrack muxed once along them (copied, or
/// encoded when the container cannot hold it, as `VideoWriter` does).
///
/// Atomic like `VideoWriter`: the output is written to a hidden temporary file and renamed at
/// the end; on an error nothing is left.
public enum SegmentJoiner {
    /// One segment file and where its first frame belongs.
    public struct Piece: Sendable, Equatable {
        /// A file holding one H.264 video stream (as `VideoWriter` writes it, without audio).
        public var url: URL
        /// The time of its first frame in the joined video, in seconds from the video's start.
        public var startTime: Double

        /// A piece.
        public init(url: URL, startTime: Double) {
            self.url = url
            self.startTime = startTime
        }
    }

    /// Writes `pieces` (in order) and `audio` into `output` (.mp4, .m4v, .mov or .mkv).
    public static func join(_ pieces: [Piece], audio: AudioInput?, to output: URL) throws(MediaError) -> WriteReport {
        guard let first = pieces.first else {
            throw MediaError(.invalidArgument, "no segments to join; expected at least one", path: output.path)
        }
        _ = try OutputFile.muxerName(for: output)
        let firstInput = try InputFile(first.url)
        guard let firstStream = firstInput.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.noVideoStream, "\(first.url.path) has no video stream; expected an encoded segment", path: first.url.path)
        }
        let file = try OutputFile(url: output)
        do throws(MediaError) {
            let inStream = firstInput.stream(firstStream)
            let outStream = file.newStream()
            try check(
                avcodec_parameters_copy(outStream.pointee.codecpar, inStream.pointee.codecpar), "copy the video parameters",
                code: .encodeFailed, path: output.path)
            outStream.pointee.codecpar.pointee.codec_tag = 0
            outStream.pointee.time_base = inStream.pointee.time_base
            outStream.pointee.avg_frame_rate = inStream.pointee.avg_frame_rate
            outStream.pointee.r_frame_rate = inStream.pointee.r_frame_rate
            outStream.pointee.sample_aspect_ratio = inStream.pointee.sample_aspect_ratio
            var sideSize: Int = 0
            if let matrix = av_stream_get_side_data(inStream, AV_PKT_DATA_DISPLAYMATRIX, &sideSize), sideSize > 0,
                let copy = av_stream_new_side_data(outStream, AV_PKT_DATA_DISPLAYMATRIX, sideSize)
            {
                copy.update(from: matrix, count: sideSize)
            }
            let pump = try audio.flatMap { source throws(MediaError) in try AudioPump(source: source, output: file) }
            try file.writeHeader()

            let outBase = outStream.pointee.time_base
            var lastDTS: Int64?
            var firstPTS: Int64?
            var lastPTS: Int64 = 0
            var frames = 0
            for piece in pieces {
                let input = piece.url == first.url ? firstInput : try InputFile(piece.url)
                guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
                    throw MediaError(
                        .noVideoStream, "\(piece.url.path) has no video stream; expected an encoded segment", path: piece.url.path)
                }
                input.discardAll(except: index)
                let inBase = input.stream(index).pointee.time_base
                // Where this piece's first frame goes in the output's time base: its earliest
                // presentation time (the demuxer's start time) moves to `startTime`. Packets are
                // copied one at a time, so a long segment is never held in memory.
                let start = input.stream(index).pointee.start_time
                var shift: Int64?
                let packet = Packet()
                while true {
                    let status = av_read_frame(input.context, packet.pointer)
                    if status == FACET_AVERROR_EOF { break }
                    try check(status, "read a packet of \(piece.url.path)", code: .io, path: piece.url.path)
                    defer { packet.unref() }
                    guard Int(packet.pointer.pointee.stream_index) == index else { continue }
                    if shift == nil {
                        let earliest = start != FACET_AV_NOPTS_VALUE ? start : packet.pointer.pointee.pts
                        shift = Int64((piece.startTime / av_q2d(outBase)).rounded()) - av_rescale_q(earliest, inBase, outBase)
                    }
                    let shift = shift ?? 0
                    av_packet_rescale_ts(packet.pointer, inBase, outBase)
                    packet.pointer.pointee.pts += shift
                    packet.pointer.pointee.dts += shift
                    // Each piece's encoder started its decode times early (B-frame delay); across a
                    // cut they must still rise, and may not pass the presentation time.
                    if let lastDTS, packet.pointer.pointee.dts <= lastDTS { packet.pointer.pointee.dts = lastDTS + 1 }
                    if packet.pointer.pointee.dts > packet.pointer.pointee.pts {
                        throw MediaError(
                            .encodeFailed,
                            "\(piece.url.lastPathComponent): segments overlap in time at \(packet.pointer.pointee.pts); expected consecutive segments",
                            path: output.path)
                    }
                    lastDTS = packet.pointer.pointee.dts
                    firstPTS = min(firstPTS ?? .max, packet.pointer.pointee.pts)
                    lastPTS = max(lastPTS, packet.pointer.pointee.pts)
                    packet.pointer.pointee.stream_index = outStream.pointee.index
                    packet.pointer.pointee.pos = -1
                    try pump?.pump(upTo: Double(packet.pointer.pointee.pts) * av_q2d(outBase) + 0.25)
                    try file.write(packet)
                    frames += 1
                }
            }
            try pump?.finish()
            try file.commit()
            let rate = av_q2d(outStream.pointee.avg_frame_rate)
            let span = Double(lastPTS - (firstPTS ?? 0)) * av_q2d(outBase)
            return WriteReport(
                outputURL: output, framesWritten: frames, duration: span + (rate > 0 ? 1 / rate : 0), pixelFormat: .auto,
                audio: pump?.handling ?? .none, audioDuration: pump?.writtenDuration, warnings: pump?.warnings ?? [])
        } catch {
            file.abort()
            throw error
        }
    }
}
