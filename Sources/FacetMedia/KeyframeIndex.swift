import CFFmpeg
import Foundation

/// Where a video's frames and keyframes are, read from its packets without decoding anything:
/// what splitting a long video into segments that each decode on their own needs.
public struct KeyframeIndex: Sendable, Equatable {
    /// Every frame's presentation timestamp (stream time base), in presentation order.
    public var framePTS: [Int64]
    /// The indices (into `framePTS`) of the frames a decoder can start at.
    public var keyframes: [Int]
    /// The stream's time base.
    public var timeBase: Rational

    /// How many frames the video has.
    public var frameCount: Int { framePTS.count }

    /// Reads the packets of `url`'s best video stream. Throws `noVideoStream`, or `unsupported`
    /// for a stream whose packets carry no timestamps (raw streams: nothing to seek by).
    public static func read(_ url: URL) throws(MediaError) -> KeyframeIndex {
        let input = try InputFile(url)
        guard let streamIndex = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.noVideoStream, "\(url.path) has no video stream; expected a video to split", path: url.path)
        }
        input.discardAll(except: streamIndex)
        let packet = Packet()
        var stamps: [(pts: Int64, key: Bool)] = []
        while av_read_frame(input.context, packet.pointer) >= 0 {
            defer { packet.unref() }
            guard Int(packet.pointer.pointee.stream_index) == streamIndex else { continue }
            let pts = packet.pointer.pointee.pts
            guard pts != FACET_AV_NOPTS_VALUE else {
                throw MediaError(
                    .unsupported,
                    "\(url.path): video packets without timestamps cannot be split at keyframes; expected a video in a container (MP4, MOV, MKV)",
                    path: url.path)
            }
            stamps.append((pts, packet.pointer.pointee.flags & AV_PKT_FLAG_KEY != 0))
        }
        let order = stamps.indices.sorted { stamps[$0].pts < stamps[$1].pts }
        var keyframes: [Int] = []
        for (rank, index) in order.enumerated() where stamps[index].key { keyframes.append(rank) }
        return KeyframeIndex(
            framePTS: order.map { stamps[$0].pts }, keyframes: keyframes,
            timeBase: Rational(input.stream(streamIndex).pointee.time_base))
    }

    /// The shortest chunk, in seconds (see `chunkStarts`).
    public static let chunkSeconds = 10.0

    /// Where the video's chunks start: frame 0, then every keyframe at least `chunkSeconds`
    /// after the last chunk's start.
    ///
    /// Chunks are the pieces of a video whose processing depends on nothing before them: the
    /// face tracker finds every face again from the picture at a chunk's first frame
    /// (`FaceTracker.restartFrames`), and `VideoWriter` starts a fresh encoder there. So a
    /// segment that starts at a chunk is analysed and encoded exactly as one run over the
    /// whole video analyses and encodes it, and segments are only ever cut at chunk starts.
    public func chunkStarts(minimumSeconds: Double = KeyframeIndex.chunkSeconds) -> [Int] {
        guard frameCount > 0 else { return [] }
        let seconds = timeBase.value
        var starts = [0]
        var lastTime = Double(framePTS[0]) * seconds
        for frame in keyframes where frame > 0 {
            let time = Double(framePTS[frame]) * seconds
            if time - lastTime >= minimumSeconds - 1e-6 {
                starts.append(frame)
                lastTime = time
            }
        }
        return starts
    }

    /// Cut points for `count` segments of about equal length: frame indices of chunk starts
    /// (`chunkStarts`), the first 0. Fewer when the video has fewer chunks where cuts would go
    /// (never two cuts on one chunk, none closer than `minimumFrames` to another or to the end).
    public func cuts(segments count: Int, minimumFrames: Int = 1) -> [Int] {
        guard count > 1, frameCount > 0 else { return [0] }
        let chunks = chunkStarts()
        var cuts = [0]
        for part in 1..<count {
            let target = Double(frameCount) * Double(part) / Double(count)
            guard let nearest = chunks.min(by: { abs(Double($0) - target) < abs(Double($1) - target) }) else { break }
            if nearest - (cuts.last ?? 0) >= minimumFrames, frameCount - nearest >= minimumFrames { cuts.append(nearest) }
        }
        return cuts
    }

    /// The latest keyframe at or before `frame`.
    public func keyframe(atOrBefore frame: Int) -> Int {
        keyframes.last { $0 <= frame } ?? 0
    }
}

/// A run of consecutive frames of a video, decoded from the keyframe at or before its start.
public struct VideoSegment: Sendable, Equatable {
    /// The first frame's index in the whole video.
    public var firstFrame: Int
    /// How many frames.
    public var frameCount: Int
    /// The keyframe decoding starts at (≤ `firstFrame`) and its timestamp; frames before
    /// `firstFrame` are decoded and dropped.
    public var keyframe: Int
    public var keyframePTS: Int64
    /// The first frame's timestamp (frames before it are dropped).
    public var firstPTS: Int64

    /// The segment of `index`'s frames `range`.
    public init(_ range: Range<Int>, of index: KeyframeIndex) {
        firstFrame = range.lowerBound
        frameCount = range.count
        keyframe = index.keyframe(atOrBefore: range.lowerBound)
        keyframePTS = index.framePTS[keyframe]
        firstPTS = index.framePTS[range.lowerBound]
    }
}
