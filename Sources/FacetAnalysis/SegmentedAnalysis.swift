import FacetMedia
import FacetSDK
import Foundation

// Analysing a long video in pieces that run at once (on several cores or cluster nodes) and
// joining them into the motion one analysis of the whole video gives.
//
// Each piece starts at a chunk of the video (`KeyframeIndex.chunkStarts`) and tracks its frames
// from a warm-up start before them, so that the tracker has found every face by the piece's first
// frame. There the tracker restarts, as it does in one run over the whole video, so from the cut
// on the piece's landmarks are that run's. It keeps its landmarks as predicted (not smoothed)
// and its frames' times. `merge` then links each piece's tracks to the previous
// piece's over the warm-up frames they share (the same face on the same frames), keeps the
// earlier piece's frames before each cut and the later piece's after it, and runs on the joined
// tracks what `analyze` runs after tracking: smoothing over the whole track, the identity fit
// over all its frames (one identity per person for the whole video) and the per-frame fits.

/// One analysed piece of a video: raw landmark tracks and its frames' times.
public struct SegmentTracking: Codable, Sendable, Equatable {
    /// The first frame the piece stands for and the one after its last (whole-video indices).
    public var firstFrame: Int
    public var endFrame: Int
    /// The first frame tracked (≤ `firstFrame`: the warm-up starts here).
    public var warmUpFrame: Int
    /// The times of frames `firstFrame ..< endFrame`, in seconds.
    public var frameTimes: [Double]
    /// Tracks over `warmUpFrame ..< endFrame`, landmarks as predicted (not smoothed).
    public var tracks: [LandmarkTrack]
    /// The video's size and frame rate.
    public var width: Int
    public var height: Int
    public var frameRate: Double
    /// Seconds spent tracking (warm-up included).
    public var trackingSeconds: Double
}

extension FaceAnalyzer {
    /// Tracks faces over `segment` of `url`, starting `warmUp` frames before it (fewer at the
    /// video's start); decoding starts at the keyframe before the warm-up.
    public func trackSegment(
        _ url: URL, frames range: Range<Int>, warmUp: Int, index: KeyframeIndex,
        progress: ((Int) -> Void)? = nil, isCancelled: () -> Bool = { false }
    ) throws(AnalysisError) -> SegmentTracking {
        let start = FaceTracker.now()
        let warmUpFrame = max(0, range.lowerBound - warmUp)
        let reader: VideoReader
        do {
            reader = try VideoReader(url: url, segment: VideoSegment(warmUpFrame..<range.upperBound, of: index))
        } catch {
            throw AnalysisError(error.code == .fileNotFound ? .fileNotFound : .malformed, wrapping: error.at(url.path))
        }
        let tracker = try FaceTracker(configuration: configuration.tracking, predictor: predictor)
        tracker.restartFrames = Set(index.chunkStarts())
        var frameTimes: [Double] = []
        var done = 0
        do {
            while let frame = try reader.nextFrame() {
                if isCancelled() { throw AnalysisError(.cancelled, "analysis interrupted after \(done) frames") }
                try tracker.process(frame)
                if frame.index >= range.lowerBound { frameTimes.append(frame.time) }
                done += 1
                progress?(done)
            }
        } catch let error as AnalysisError {
            throw error
        } catch {
            throw AnalysisError(.malformed, "decoding failed after \(done) frames", path: url.path, cause: error)
        }
        guard frameTimes.count == range.count else {
            throw AnalysisError(
                .malformed,
                "frames \(range.lowerBound) … \(range.upperBound - 1) of \(url.lastPathComponent) gave \(frameTimes.count) frames; expected \(range.count)",
                path: url.path)
        }
        let tracks = try tracker.finish(smoothing: false)
        return SegmentTracking(
            firstFrame: range.lowerBound, endFrame: range.upperBound, warmUpFrame: warmUpFrame, frameTimes: frameTimes,
            tracks: tracks, width: reader.video.width, height: reader.video.height, frameRate: reader.video.frameRate,
            trackingSeconds: FaceTracker.now() - start)
    }

    /// The motion of the whole video from its pieces (in any order; together they must cover
    /// every frame once): tracks linked across the cuts, then smoothed and fitted whole.
    public func merge(_ pieces: [SegmentTracking], url: URL, video: VideoStreamInfo) throws(AnalysisError) -> AnalysisResult {
        let start = FaceTracker.now()
        let ordered = pieces.sorted { $0.firstFrame < $1.firstFrame }
        var expected = 0
        for piece in ordered {
            guard piece.firstFrame == expected else {
                throw AnalysisError(
                    .incompatible,
                    "the analysed pieces of \(url.lastPathComponent) leave frames \(expected) … \(piece.firstFrame - 1) out (or overlap); expected pieces that follow each other"
                )
            }
            expected = piece.endFrame
        }
        let joined = Self.link(ordered)
        let tracker = try FaceTracker(configuration: configuration.tracking, predictor: predictor)
        var tracks: [LandmarkTrack] = []
        for track in joined { tracks.append(try tracker.smoothed(track)) }
        // The pieces' tracking time (warm-ups included) stands for the tracking of the whole video.
        let timings = AnalysisTimings(
            frames: expected, faceFrames: 0, totalSeconds: 0, loadSeconds: 0, lumaSeconds: 0, detectionSeconds: 0, detectionPasses: 0,
            landmarkSeconds: ordered.reduce(0) { $0 + $1.trackingSeconds }, landmarkPredictions: 0, identityFitSeconds: 0,
            frameFitSeconds: 0, smoothingSeconds: 0)
        return try motion(
            from: tracks, frameTimes: ordered.flatMap(\.frameTimes), video: video, url: url, rejections: [], timings: timings,
            started: start)
    }

    /// Blends the end of `track` into `later` over the frames both have (the later piece's
    /// warm-up): the earlier piece's landmarks with weight falling from 1 to 0, so the track does
    /// not jump at the cut where two trackings of the same face, started at different frames,
    /// differ by a pixel or a few.
    static func crossFade(_ track: inout LandmarkTrack, into later: [TrackedFace]) {
        let shared = later.filter { face in track.face(atFrame: face.frameIndex) != nil }
        guard let first = shared.first?.frameIndex, let last = shared.last?.frameIndex, last > first else { return }
        let span = Float(last - first + 1)
        for face in shared {
            guard let position = track.frames.firstIndex(where: { $0.frameIndex == face.frameIndex }) else { continue }
            let weight = Float(face.frameIndex - first + 1) / span  // of the later tracking
            var blended = track.frames[position]
            blended.landmarks = zip(blended.landmarks, face.landmarks).map { a, b in
                Point2(x: a.x + (b.x - a.x) * weight, y: a.y + (b.y - a.y) * weight)
            }
            let (a, b) = (blended.box, face.box)
            blended.box = FaceBox(
                x: a.x + (b.x - a.x) * weight, y: a.y + (b.y - a.y) * weight, width: a.width + (b.width - a.width) * weight,
                height: a.height + (b.height - a.height) * weight)
            track.frames[position] = blended
        }
    }

    /// The pieces' tracks joined: a track of a later piece continues the earlier piece's track
    /// whose face it shares on the warm-up frames (boxes overlapping by more than half on at least
    /// three frames, the earlier track reaching the cut), or, for a face the later piece first
    /// found by a detection at the cut, whose box on the frame before the cut overlaps it by more
    /// than half; otherwise it starts a track of its own.
    /// Ids are given in order of first frame, then left to right.
    static func link(_ pieces: [SegmentTracking]) -> [LandmarkTrack] {
        var joined: [LandmarkTrack] = []
        for piece in pieces {
            var continued = Set<Int>()
            for track in piece.tracks {
                let own = track.frames.filter { $0.frameIndex >= piece.firstFrame && $0.frameIndex < piece.endFrame }
                guard !own.isEmpty else { continue }
                let warmUp = track.frames.filter { $0.frameIndex < piece.firstFrame }
                var best: (index: Int, overlap: Float)?
                if piece.firstFrame > 0, let first = own.first, first.frameIndex == piece.firstFrame {
                    for (index, candidate) in joined.enumerated()
                    where !continued.contains(index) && candidate.lastFrameIndex == piece.firstFrame - 1 {
                        // Over the warm-up frames both have; a face the later piece found only at
                        // the cut (the restart's thorough search, as the whole run found it there)
                        // is compared on the frames either side of the cut.
                        var overlaps = warmUp.compactMap { face in
                            candidate.face(atFrame: face.frameIndex).map { $0.box.intersectionOverUnion(face.box) }
                        }
                        if warmUp.isEmpty, first.detectionScore != nil, let last = candidate.frames.last {
                            overlaps = [last.box.intersectionOverUnion(first.box)]
                        } else if overlaps.count < 3 {
                            continue
                        }
                        let mean = overlaps.reduce(0, +) / Float(overlaps.count)
                        if mean > 0.5, mean > (best?.overlap ?? 0) { best = (index, mean) }
                    }
                }
                if let best {
                    // A face found again at the cut (a chunk start: the tracker restarted there)
                    // has the landmarks one run over the whole video gives it, from the cut on;
                    // one followed across the cut may not, and is faded into over the warm-up.
                    if own.first?.detectionScore == nil { Self.crossFade(&joined[best.index], into: warmUp) }
                    joined[best.index].frames += own
                    continued.insert(best.index)
                } else {
                    joined.append(LandmarkTrack(id: -1, frames: own))
                    continued.insert(joined.count - 1)
                }
            }
        }
        let order = joined.indices.sorted { a, b in
            let first = (joined[a].frames.first?.frameIndex ?? 0, joined[a].frames.first?.box.x ?? 0)
            let second = (joined[b].frames.first?.frameIndex ?? 0, joined[b].frames.first?.box.x ?? 0)
            return first < second
        }
        return order.enumerated().map { id, index in LandmarkTrack(id: id, frames: joined[index].frames) }
    }
}
