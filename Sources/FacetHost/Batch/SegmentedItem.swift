import FacetAnalysis
import FacetErrors
import FacetMedia
import FacetMorphableModel
import FacetSDK
import Foundation

// A long video made in pieces that run at once: an item with `segments:` is cut at keyframes of
// its input into segments, and made in four steps, each a unit a worker or a Slurm task runs:
//
//   1. analyse segment k (all k at once): faces tracked from a warm-up before the segment's first
//      frame, raw tracks saved (`SegmentTracking`);
//   2. merge (once): the tracks joined across the cuts and fitted whole, as one analysis of the
//      whole video would fit them: one identity per person, smoothing across the cuts;
//   3. render segment k (all k at once): the chain runs on the whole video's motion (effects see
//      the whole video's time and audio), then only segment k's frames are decoded, rendered and
//      encoded, without audio;
//   4. join (once): the segments' H.264 packets joined by stream copy, the input's audio muxed once.
//
// Everything lives in the state folder, `segments/NAME-FINGERPRINT/`: a changed setting makes a
// new folder, so nothing made with other settings is reused.

/// How an item asks to be split (`segments:` in the job file).
public enum SegmentRequest: Sendable, Equatable, CustomStringConvertible {
    /// About one segment per minute of video.
    case auto
    /// This many segments (fewer when the input has fewer keyframes where the cuts would go).
    case count(Int)
    /// Segments of about this many seconds.
    case seconds(Double)

    /// `auto`, `4`, `60s`.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .count(let count): String(count)
        case .seconds(let seconds): String(format: "%gs", seconds)
        }
    }

    /// How many segments for a video of `duration` seconds.
    func segmentCount(duration: Double) -> Int {
        switch self {
        case .auto: max(1, Int((duration / 60).rounded()))
        case .count(let count): count
        case .seconds(let seconds): max(1, Int((duration / seconds).rounded()))
        }
    }
}

/// Where an item's segments are cut.
public struct SegmentPlan: Codable, Sendable, Equatable {
    /// The first frame of each segment (the first is 0), each a keyframe of the input.
    public var cuts: [Int]
    /// The input's frame count.
    public var frameCount: Int
    /// Frames each segment's analysis starts before the segment (about 2 s).
    public var warmUpFrames: Int

    /// The frames of segment `index` (0-based).
    public func frames(_ index: Int) -> Range<Int> {
        cuts[index]..<(index + 1 < cuts.count ? cuts[index + 1] : frameCount)
    }

    /// How many segments.
    public var count: Int { cuts.count }

    /// The warm-up of each segment's analysis.
    public static let warmUpSeconds = 2.0
}

/// The four steps of a segmented item, on files in the batch's state folder.
public struct SegmentedItem {
    /// The item.
    public let item: BatchItem
    /// How it is split.
    public let plan: SegmentPlan
    /// The input's keyframes and frame times.
    public let index: KeyframeIndex
    /// The item's folder in the state folder.
    public let folder: URL

    /// Plans `item` (its input is read for its keyframes; nothing is decoded).
    public init(_ item: BatchItem, state: BatchState) throws(HostError) {
        guard let request = item.settings.segments else {
            throw HostError(.invalidArguments, "item \(item.number) is not segmented")
        }
        self.item = item
        do {
            index = try KeyframeIndex.read(item.input)
        } catch {
            throw HostError(.media, "item \(item.number): cannot read the keyframes of \(item.input.path) to split it", cause: error)
        }
        guard index.frameCount > 1, let info = try? MediaProbe.probe(item.input), let video = info.video, !video.isStillImage else {
            throw HostError(
                .invalidArguments,
                "item \(item.number): \(item.input.lastPathComponent) is not a video; expected a video to split into segments")
        }
        let rate = video.frameRate > 0 ? video.frameRate : 25
        let count = request.segmentCount(duration: Double(index.frameCount) / rate)
        let warmUp = Int((SegmentPlan.warmUpSeconds * rate).rounded())
        plan = SegmentPlan(
            cuts: index.cuts(segments: count, minimumFrames: max(1, warmUp)), frameCount: index.frameCount, warmUpFrames: warmUp)
        folder = state.directory.appendingPathComponent("segments", isDirectory: true)
            .appendingPathComponent(
                "\(item.output.deletingPathExtension().lastPathComponent)-\(item.fingerprint.prefix(16))", isDirectory: true)
    }

    // MARK: - Files

    func analysisURL(_ segment: Int) -> URL { folder.appendingPathComponent("analysis-\(segment + 1).json") }
    var motionURL: URL { folder.appendingPathComponent("motion.json") }
    func renderURL(_ segment: Int) -> URL { folder.appendingPathComponent("render-\(segment + 1).mp4") }

    /// Whether step 1 of segment `segment` is done.
    public func isAnalysed(_ segment: Int) -> Bool { FileManager.default.fileExists(atPath: analysisURL(segment).path) }
    /// Whether step 2 is done.
    public var isMerged: Bool { FileManager.default.fileExists(atPath: motionURL.path) }
    /// Whether step 3 of segment `segment` is done.
    public func isRendered(_ segment: Int) -> Bool { FileManager.default.fileExists(atPath: renderURL(segment).path) }

    private func makeFolder() throws(HostError) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw HostError(.io, "cannot create \(folder.path) for the segments", cause: error)
        }
    }

    // MARK: - Steps

    /// Step 1: tracks the faces of segment `segment`.
    public func analyse(_ segment: Int, observer: (any BatchItemObserver)?, cancellation: CancellationFlag) throws(HostError) {
        try makeFolder()
        let analyzer: FaceAnalyzer
        do {
            analyzer = try FaceAnalyzer(configuration: item.pipelineOptions.analysis.configuration)
        } catch {
            throw HostError(.analysisFailed, "the face models could not be loaded", cause: error)
        }
        let frames = plan.frames(segment)
        let tracking: SegmentTracking
        do {
            tracking = try analyzer.trackSegment(
                item.input, frames: frames, warmUp: plan.warmUpFrames, index: index,
                progress: { done in observer?.phase("analysing segment \(segment + 1)", framesDone: done, total: nil) },
                isCancelled: { cancellation.isCancelled })
        } catch {
            throw HostError(
                error.code == .cancelled ? .cancelled : .analysisFailed,
                "item \(item.number): analysing segment \(segment + 1) (frames \(frames.lowerBound) … \(frames.upperBound - 1))",
                cause: error)
        }
        try write(tracking, to: analysisURL(segment))
    }

    /// Step 2: the whole video's motion from every segment's tracks.
    public func merge() throws(HostError) {
        var pieces: [SegmentTracking] = []
        for segment in 0..<plan.count {
            guard let data = FileManager.default.contents(atPath: analysisURL(segment).path),
                let piece = try? JSONDecoder().decode(SegmentTracking.self, from: data)
            else {
                throw HostError(
                    .batchFailed,
                    "item \(item.number): segment \(segment + 1) has not been analysed (\(analysisURL(segment).path)); expected step 1 to have run"
                )
            }
            pieces.append(piece)
        }
        do {
            let analyzer = try FaceAnalyzer(configuration: item.pipelineOptions.analysis.configuration)
            guard let video = try MediaProbe.probe(item.input).video else {
                throw HostError(.media, "\(item.input.path) has no video stream")
            }
            let result = try analyzer.merge(pieces, url: item.input, video: video)
            let file = MotionFile(
                generator: "facet batch (segmented)",
                source: MotionFile.SourceVideo(
                    path: item.input.path, width: video.width, height: video.height, frameCount: plan.frameCount, frameRate: video.frameRate
                ),
                analysis: analyzer.settingsDescription, motion: result.motion)
            try makeFolder()
            try file.write(to: motionURL)
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.analysisFailed, "item \(item.number): merging the segments' analyses", cause: error)
        }
    }

    /// Step 3: renders segment `segment` with the chain run on the whole video's motion.
    public func render(_ segment: Int, observer: (any BatchItemObserver)?, cancellation: CancellationFlag) throws(HostError) -> ApplyReport
    {
        guard isMerged else {
            throw HostError(
                .batchFailed, "item \(item.number): the segments have not been merged (\(motionURL.path)); expected step 2 to have run")
        }
        try makeFolder()
        var options = item.pipelineOptions
        options.motionFile = motionURL
        var composed = try PipelineFactory.make(options, for: item.chain, cancellation: cancellation)
        composed.pipeline.media = SegmentMedia(
            segment: VideoSegment(plan.frames(segment), of: index), restartFrames: Set(index.chunkStarts()))
        // The soundtrack stays in the request: effects that listen hear it; `SegmentMedia` writes
        // the segment without it (the join muxes it once).
        var request = item.request
        request.output = renderURL(segment)
        let progress = observer.map { PhaseProgress(observer: $0, phase: "rendering segment \(segment + 1)") }
        return try composed.pipeline.apply(request, progress: progress, cancellation: cancellation)
    }

    /// Step 4: the segments joined into the item's output, with the input's audio.
    public func join() throws(HostError) -> WriteReport {
        var pieces: [SegmentJoiner.Piece] = []
        let base = index.framePTS.first ?? 0
        for segment in 0..<plan.count {
            guard isRendered(segment) else {
                throw HostError(
                    .batchFailed,
                    "item \(item.number): segment \(segment + 1) has not been rendered (\(renderURL(segment).path)); expected step 3 to have run"
                )
            }
            let first = index.framePTS[plan.frames(segment).lowerBound]
            pieces.append(SegmentJoiner.Piece(url: renderURL(segment), startTime: Double(first - base) * index.timeBase.value))
        }
        do {
            // The soundtrack `facet apply` gives the whole video: the input's own audio lined up with
            // its first frame, or the item's audio file cut at the input's length.
            let info = try MediaProbe.probe(item.input)
            let audio: AudioInput? =
                if let file = item.settings.audio { AudioInput(url: file, maxDuration: info.duration) } else { AudioInput(matching: info) }
            return try SegmentJoiner.join(pieces, audio: audio, to: item.output)
        } catch {
            throw HostError(.media, "item \(item.number): joining the segments into \(item.output.path)", cause: error)
        }
    }

    /// Removes the segments' files (after the join).
    public func removeFiles() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ tracking: SegmentTracking, to url: URL) throws(HostError) {
        do {
            try BatchState.writeAtomically(try JSONEncoder().encode(tracking), to: url)
        } catch {
            throw HostError(.io, "cannot write \(url.path)", cause: error)
        }
    }
}

/// The media of one segment: its frames decoded from its keyframe, written without audio, with a
/// fresh encoder at each of the video's chunks (as `facet apply` writes the whole video).
struct SegmentMedia: MediaBackend {
    let segment: VideoSegment
    let restartFrames: Set<Int>
    private let files = FFmpegMedia()

    init(segment: VideoSegment, restartFrames: Set<Int>) {
        self.segment = segment
        self.restartFrames = restartFrames
    }

    func checkInput(_ input: URL, audio: URL?) throws(HostError) { try files.checkInput(input, audio: audio) }
    func checkOutput(_ output: URL) throws { try files.checkOutput(output) }
    func probe(_ url: URL) throws -> MediaInfo { try files.probe(url) }
    func openFrames(_ url: URL, stillImage: StillImageOptions?) throws -> any FrameSource { try VideoReader(url: url, segment: segment) }
    func openOutput(
        _ url: URL, video: VideoStreamInfo, soundtrack: SoundtrackChoice?, alongside source: any FrameSource, settings: EncoderSettings
    ) throws -> any FrameSink {
        try VideoWriter(outputURL: url, video: video, audio: nil, settings: settings, restartFrames: restartFrames)
    }
    func decodeAudio(_ url: URL, sampleRate: Int) throws -> AudioClip { try files.decodeAudio(url, sampleRate: sampleRate) }
}
