import CFFmpeg
import Foundation

/// How to turn a still picture (PNG, JPEG, ...) into a video.
public struct StillImageOptions: Sendable, Equatable {
    /// Length of the video in seconds.
    public var duration: Double
    /// Frames per second.
    public var frameRate: Double

    /// Creates options; the video has `max(1, round(duration * frameRate))` frames.
    public init(duration: Double, frameRate: Double = 25) {
        self.duration = duration
        self.frameRate = frameRate
    }
}

/// Streams the decoded frames of a file's best video stream.
///
/// Memory stays flat whatever the length: a decode thread runs ahead of the caller by at most
/// `VideoReader.queueCapacity` frames, so decoding overlaps whatever the caller does with each
/// frame (analysis, rendering, encoding). A still image is decoded once and repeated.
public final class VideoReader {
    /// How many decoded frames the decode thread may hold ahead of the caller.
    public static let queueCapacity = 4

    /// What the file contains. For a still image read with `StillImageOptions`, `info.video`
    /// describes the video being made (frame rate, time base, frame count, duration).
    public let info: MediaInfo
    /// The stream being decoded (`info.video`, never nil).
    public let video: VideoStreamInfo

    private let source: Source
    private let scaler = Scaler()
    private var nextIndex = 0
    /// The part of the video read (nil: all of it).
    private let segment: VideoSegment?

    private enum Source {
        case threaded(DecodeQueue)
        case still(picture: DecodedPicture, count: Int, timeBase: AVRational)
    }

    /// Opens `url` and starts decoding its best video stream.
    ///
    /// For a still image, `stillImage` says how long a video to make (one frame when nil);
    /// for a video it is ignored. Throws `fileNotFound`, `notMedia`, `noVideoStream` (the
    /// message lists the streams there are) or `decodeFailed` (no decoder, or a still image
    /// that does not decode).
    public convenience init(url: URL, stillImage: StillImageOptions? = nil) throws(MediaError) {
        try self.init(url: url, stillImage: stillImage, segment: nil)
    }

    /// Opens `url` to read only `segment`'s frames: decoding starts at its keyframe, frames
    /// before its first are dropped, and `nextFrame()` ends after its last. The frames keep their
    /// indices and timestamps in the whole video.
    public convenience init(url: URL, segment: VideoSegment) throws(MediaError) {
        try self.init(url: url, stillImage: nil, segment: segment)
    }

    private init(url: URL, stillImage: StillImageOptions?, segment: VideoSegment?) throws(MediaError) {
        self.segment = segment
        nextIndex = segment?.firstFrame ?? 0
        let input = try InputFile(url)
        var info = MediaProbe.describe(input)
        guard let streamIndex = info.bestVideoStream, var video = info.video else {
            throw MediaError(
                .noVideoStream,
                "\(url.path) has no video stream (it has \(info.streamSummary)); expected a video or an image",
                path: url.path)
        }
        let decoder = try StreamDecoder(input: input, streamIndex: streamIndex)
        if video.isStillImage {
            guard let picture = try decoder.next() else {
                throw MediaError(.decodeFailed, "\(url.path): the image decoded to no picture", path: url.path)
            }
            let fallbackRate = video.frameRate > 0 && video.frameRate <= 240 ? video.frameRate : 25
            let options = stillImage ?? StillImageOptions(duration: 1 / fallbackRate, frameRate: fallbackRate)
            guard options.frameRate > 0, options.frameRate.isFinite, options.duration > 0,
                options.duration.isFinite
            else {
                throw MediaError(
                    .invalidArgument,
                    "still image options need a positive duration and frame rate; got duration \(options.duration) s at \(options.frameRate) fps",
                    path: url.path)
            }
            let rate = av_d2q(options.frameRate, 1_001_000)
            let timeBase = av_inv_q(rate)
            let count = max(1, Int((options.duration * options.frameRate).rounded()))
            video.realFrameRate = Rational(rate)
            video.averageFrameRate = Rational(rate)
            video.frameRate = av_q2d(rate)
            video.timeBase = Rational(timeBase)
            video.startPTS = 0
            video.estimatedFrameCount = count
            video.duration = Double(count) / av_q2d(rate)
            video.isVariableFrameRate = false
            video.width = picture.frame.width
            video.height = picture.frame.height
            info.video = video
            source = .still(picture: picture, count: count, timeBase: timeBase)
        } else {
            if let segment, segment.keyframe > 0 { try decoder.seek(toKeyframeAtOrBefore: segment.keyframePTS) }
            source = .threaded(DecodeQueue(decoder: decoder, capacity: Self.queueCapacity))
        }
        self.info = info
        self.video = video
    }

    deinit {
        if case .threaded(let queue) = source { queue.stop() }
    }

    /// The next frame in presentation order; nil at the end.
    ///
    /// Damaged packets are skipped and counted in `damage`; this throws `decodeFailed` only
    /// when the stream ended without one decodable frame.
    public func nextFrame() throws(MediaError) -> VideoFrame? {
        switch source {
        case .threaded(let queue):
            if let segment, nextIndex >= segment.firstFrame + segment.frameCount { return nil }
            guard var picture = try queue.pop() else { return nil }
            while let segment, picture.pts < segment.firstPTS {
                guard let next = try queue.pop() else { return nil }
                picture = next
            }
            defer { nextIndex += 1 }
            return VideoFrame(
                index: nextIndex, picture: picture.frame, pts: picture.pts,
                startPTS: queue.startPTS, timeBase: queue.timeBase,
                isDamaged: picture.isDamaged, scaler: scaler)
        case .still(let picture, let count, let timeBase):
            guard nextIndex < count else { return nil }
            defer { nextIndex += 1 }
            return VideoFrame(
                index: nextIndex, picture: picture.frame.reference(),
                pts: Int64(nextIndex), startPTS: 0, timeBase: timeBase,
                isDamaged: picture.isDamaged, scaler: scaler)
        }
    }

    /// The damage found so far (complete once `nextFrame()` returned nil).
    public var damage: DecodeDamage {
        switch source {
        case .threaded(let queue): queue.damage
        case .still: DecodeDamage()
        }
    }
}

// MARK: - Decode thread

/// A bounded queue between the decode thread (producer) and the reader (consumer).
///
/// `@unchecked Sendable`: every mutable field is read and written only while holding
/// `condition`; the decoder itself is touched by the decode thread only.
final class DecodeQueue: @unchecked Sendable {
    let timeBase: AVRational
    let startPTS: Int64

    private let condition = NSCondition()
    private let capacity: Int
    private var items: [DecodedPicture] = []
    private var ended = false
    private var stopped = false
    private var failure: MediaError? = nil
    private var damageSnapshot = DecodeDamage()

    init(decoder: StreamDecoder, capacity: Int) {
        self.capacity = capacity
        timeBase = decoder.timeBase
        startPTS = decoder.startPTS
        items.reserveCapacity(capacity)
        let thread = Thread { [self] in
            self.run(decoder)
        }
        thread.name = "facet.decode"
        thread.start()
    }

    /// The decode loop: runs until the end of the stream, an error, or `stop()`.
    private func run(_ decoder: StreamDecoder) {
        var publishedVersion = 0
        while true {
            let result: Result<DecodedPicture?, MediaError>
            do throws(MediaError) {
                result = .success(try decoder.next())
            } catch {
                result = .failure(error)
            }
            condition.lock()
            if decoder.damageVersion != publishedVersion {
                damageSnapshot = decoder.damage
                publishedVersion = decoder.damageVersion
            }
            switch result {
            case .success(let picture?):
                while items.count >= capacity && !stopped { condition.wait() }
                if stopped {
                    condition.unlock()
                    return
                }
                items.append(picture)
            case .success(nil):
                ended = true
            case .failure(let error):
                failure = error
                ended = true
            }
            let done = ended
            condition.broadcast()
            condition.unlock()
            if done { return }
        }
    }

    /// The next picture, waiting for the decode thread; nil at the end.
    func pop() throws(MediaError) -> DecodedPicture? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !ended { condition.wait() }
        if !items.isEmpty {
            let picture = items.removeFirst()  // at most `capacity` items: cheap
            condition.broadcast()
            return picture
        }
        if let failure { throw failure }
        return nil
    }

    /// Asks the decode thread to finish and drops queued pictures.
    func stop() {
        condition.lock()
        stopped = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// A copy of the damage report.
    var damage: DecodeDamage {
        condition.lock()
        defer { condition.unlock() }
        return damageSnapshot
    }
}
