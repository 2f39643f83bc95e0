import FacetMedia
import FacetRender
import FacetSDK
import Foundation

// MARK: - Stages the pipeline composes

/// Produces the face motion of a video: the analysis stage (or a saved motion file).
public protocol MotionSource {
    /// Analyses `input` and returns the motion of every face; `frameTimes` may be empty when the
    /// source does not decode the video (the pipeline then fills them during rendering).
    func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion
    /// A short description for reports, e.g. "dlib + sfm_3448" or "motion file x.json".
    var summary: String { get }
    /// The face model behind the motion's coefficients, as effects see it (nil when unknown).
    var faceModel: FaceModelDescription? { get }
}

extension MotionSource {
    /// No model known by default.
    public var faceModel: FaceModelDescription? { nil }
}

/// The motion source used until face analysis is available: reports no faces.
public struct NoFaceAnalysis: MotionSource {
    /// Creates the source.
    public init() {}
    /// An empty scene of the video's size and frame rate.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
        let video = info.video
        return SceneMotion(frameTimes: [], frameRate: stillImage?.frameRate ?? video?.frameRate ?? 0,
                           frameWidth: video?.width ?? 0, frameHeight: video?.height ?? 0)
    }
    /// Describes the source.
    public var summary: String { "none (face analysis not available)" }
}

// MARK: - Requests and reports

/// Everything `facet apply` needs: what to read, what to write, and what to do in between.
public struct ApplyRequest: Sendable {
    /// The input video or still image.
    public var input: URL
    /// The output video (.mp4, .m4v, .mov or .mkv).
    public var output: URL
    /// The effects to run, in order.
    public var chain: EffectChain
    /// Video encoder settings.
    public var encoder: EncoderSettings
    /// For a still-image input: the video's length in seconds (nil: the audio's length, else the
    /// chain's animation length, else 5 s).
    public var stillDuration: Double?
    /// For a still-image input: frames per second of the video made (default 25).
    public var stillFrameRate: Double
    /// A separate audio file to use as the soundtrack (default: the input's own audio).
    public var audio: URL?
    /// Replace an existing output file.
    public var overwrite: Bool

    /// Creates a request with default encoder settings.
    public init(input: URL, output: URL, chain: EffectChain = .empty, encoder: EncoderSettings = EncoderSettings(),
                stillDuration: Double? = nil, stillFrameRate: Double = 25, audio: URL? = nil, overwrite: Bool = false) {
        self.input = input
        self.output = output
        self.chain = chain
        self.encoder = encoder
        self.stillDuration = stillDuration
        self.stillFrameRate = stillFrameRate
        self.audio = audio
        self.overwrite = overwrite
    }
}

/// What a run did, for people and (as JSON) for scripts.
public struct ApplyReport: Codable, Sendable {
    /// The input path.
    public var input: String
    /// The output path.
    public var output: String
    /// Frames written.
    public var frames: Int
    /// Output duration in seconds.
    public var duration: Double
    /// Wall-clock seconds of the whole run.
    public var elapsedSeconds: Double
    /// Frames per second processed.
    public var framesPerSecond: Double
    /// How the audio was handled, e.g. "copied aac", "transcoded pcm_s16le → aac", or "none".
    public var audio: String
    /// Length of the audio written, in seconds (nil without audio).
    public var audioDuration: Double?
    /// The effect chain that ran, in one-line syntax.
    public var chain: String
    /// Faces found by analysis.
    public var faces: Int
    /// What analysed the faces and what rendered them.
    public var analysis: String
    /// The renderer.
    public var renderer: String
    /// Damage found while decoding the input (empty when none).
    public var inputDamage: [String]
    /// Warnings from the media layer and the effects.
    public var warnings: [String]
}

/// Receives progress while a run renders; the CLI draws a progress bar from it.
public protocol ProgressObserver: AnyObject {
    /// Called once before the first frame; `totalFrames` is an estimate when known.
    func started(totalFrames: Int?)
    /// Called after each frame with the count written so far.
    func advanced(framesDone: Int)
    /// Called once at the end, success or not.
    func finished()
}

/// A flag another thread (e.g. a Ctrl-C handler) sets to stop a run between frames.
public final class CancellationFlag: @unchecked Sendable {
    // Safe to share: the one mutable field is guarded by `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// Creates an unset flag.
    public init() {}
    /// Asks the run to stop.
    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
    /// Whether `cancel()` was called.
    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }
}

// MARK: - The pipeline

/// Decode → analyse → effect chain on motion → render → encode with the audio.
///
/// Validation (arguments, chain) happens before anything is decoded. The output is written to
/// a temporary file beside the target and renamed at the end; on any error or cancellation
/// nothing is left behind.
public struct Pipeline {
    /// Where face motion comes from.
    public var motionSource: any MotionSource
    /// What turns edited motion into pixels.
    public var renderer: any FrameRenderer
    /// The face model effects see (named expression controls); nil: the motion source's.
    public var faceModel: FaceModelDescription?

    /// Creates a pipeline with the given stages (defaults: no analysis, pass-through).
    public init(motionSource: any MotionSource = NoFaceAnalysis(), renderer: any FrameRenderer = PassThroughRenderer()) {
        self.motionSource = motionSource
        self.renderer = renderer
    }

    /// Runs the request; `progress` hears about every frame; `cancellation` stops the run between frames.
    public mutating func apply(_ request: ApplyRequest, progress: (any ProgressObserver)? = nil,
                               cancellation: CancellationFlag = CancellationFlag()) throws(HostError) -> ApplyReport {
        let started = Date()
        try Self.validatePaths(request)
        try media("write \(request.output.path)") {
            try request.encoder.validate()
            try VideoWriter.checkOutput(request.output)
        }
        let effects = try request.chain.invocations.map { invocation throws(HostError) in try invocation.instantiate() }

        let info = try media("probe \(request.input.path)") { try MediaProbe.probe(request.input) }
        guard let videoInfo = info.video else {
            throw HostError(.media, "\(request.input.path) has no video stream; expected a video or a still image")
        }
        _ = try media("encode \(videoInfo.width)x\(videoInfo.height)") {
            try request.encoder.resolvedPixelFormat(width: videoInfo.width, height: videoInfo.height)
        }
        let soundtrack = try soundtrackInfo(request, inputInfo: info)
        let still = stillImageOptions(request, videoInfo: videoInfo, soundtrackDuration: soundtrack?.duration)

        // Analysis and the effect chain run on motion before a single frame is rendered.
        let source: SceneMotion
        do {
            source = try motionSource.motion(for: request.input, info: info, stillImage: still)
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.media, "face analysis of \(request.input.path) failed", underlying: error)
        }
        var warnings: [String] = []
        let warningSink = WarningSink()
        let faceModel = self.faceModel ?? motionSource.faceModel
        var edited = source
        let audioClip = try audioForEffects(request.chain, request: request, soundtrackURL: soundtrack?.url)
        for (effect, invocation) in zip(effects, request.chain.invocations) {
            let id = invocation.descriptor.id
            let context = EffectContext(audio: audioClip, faceModel: faceModel, warn: { message in warningSink.add("\(id): \(message)") })
            do {
                try effect.process(&edited, context: context)
            } catch {
                throw HostError(.effectFailed, "effect \(id) failed", at: invocation.location, underlying: error)
            }
        }
        if renderer is PassThroughRenderer, edited.tracks != source.tracks {
            warnings.append("the chain edited \(source.tracks.count) face(s), but no face renderer is configured: the frames pass through unchanged")
        }
        if source.tracks.isEmpty && !request.chain.invocations.isEmpty {
            warnings.append("no faces found (analysis: \(motionSource.summary)): the video passes through unchanged")
        }

        // Render pass: stream frames from the reader through the renderer into the writer.
        let reader = try media("open \(request.input.path)") { try VideoReader(url: request.input, stillImage: still) }
        // The input's own audio is lined up with its first video frame; a separate file starts at 0.
        let audioInput = soundtrack.flatMap { track in
            track.isInputItself ? AudioInput(matching: reader) : AudioInput(url: track.url, maxDuration: track.cutAt)
        }
        let writer = try media("create \(request.output.path)") {
            try VideoWriter(outputURL: request.output, video: reader.info.video ?? videoInfo, audio: audioInput,
                            settings: request.encoder)
        }
        let expectedFrames = still.map { Int(($0.duration * $0.frameRate).rounded()) } ?? videoInfo.estimatedFrameCount
        progress?.started(totalFrames: expectedFrames)
        defer { progress?.finished() }
        var framesDone = 0
        do {
            while let frame = try reader.nextFrame() {
                if cancellation.isCancelled {
                    throw HostError(.cancelled, "interrupted after \(framesDone) frames; no output was written")
                }
                try renderer.render(frame, source: source, edited: edited)
                try writer.write(frame)
                framesDone += 1
                progress?.advanced(framesDone: framesDone)
            }
        } catch {
            writer.cancel()
            if let error = error as? HostError { throw error }
            throw HostError(.media, "processing \(request.input.path) failed after \(framesDone) frames; no output was written",
                            underlying: error)
        }
        if cancellation.isCancelled {
            writer.cancel()
            throw HostError(.cancelled, "interrupted at the end; no output was written")
        }
        let written = try media("finish \(request.output.path)") { try writer.finish() }
        warnings += written.warnings + warningSink.messages
        let elapsed = Date().timeIntervalSince(started)
        return ApplyReport(
            input: request.input.path, output: request.output.path, frames: written.framesWritten,
            duration: written.duration, elapsedSeconds: elapsed,
            framesPerSecond: elapsed > 0 ? Double(written.framesWritten) / elapsed : 0,
            audio: written.audioDescription, audioDuration: written.audioDuration,
            chain: request.chain.description, faces: source.tracks.count,
            analysis: motionSource.summary, renderer: renderer.summary,
            inputDamage: reader.damage.messages, warnings: warnings)
    }

    // MARK: - Helpers

    /// Rejects paths that cannot work, before anything is decoded.
    static func validatePaths(_ request: ApplyRequest) throws(HostError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: request.input.path, isDirectory: &isDirectory) else {
            throw HostError(.io, "input \(request.input.path) does not exist; expected a video or image file")
        }
        guard !isDirectory.boolValue else {
            throw HostError(.io, "input \(request.input.path) is a directory; expected a video or image file")
        }
        let input = request.input.resolvingSymlinksInPath().standardizedFileURL.path
        let output = request.output.resolvingSymlinksInPath().standardizedFileURL.path
        if input == output {
            throw HostError(.invalidArguments, "output \(request.output.path) is the input itself; expected a different output path (the input is never overwritten)")
        }
        if let audio = request.audio, !files.fileExists(atPath: audio.path) {
            throw HostError(.io, "audio file \(audio.path) does not exist")
        }
        if files.fileExists(atPath: request.output.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw HostError(.invalidArguments, "output \(request.output.path) is a directory; expected a file path such as \(request.output.appendingPathComponent("out.mp4").path)")
            }
            if !request.overwrite {
                throw HostError(.invalidArguments, "output \(request.output.path) already exists; pass --overwrite (-y) to replace it")
            }
        }
    }

    private struct Soundtrack {
        var url: URL
        var duration: Double?
        var cutAt: Double?
        var isInputItself: Bool
    }

    /// Where the output's audio comes from: a separate audio file, or the input's own audio stream.
    private func soundtrackInfo(_ request: ApplyRequest, inputInfo: MediaInfo) throws(HostError) -> Soundtrack? {
        if let audioURL = request.audio {
            let audioInfo = try media("probe \(audioURL.path)") { try MediaProbe.probe(audioURL) }
            guard let audio = audioInfo.audio else {
                throw HostError(.media, "\(audioURL.path) has no audio stream; expected an audio file for --audio")
            }
            let videoLength = inputInfo.video?.isStillImage == true ? request.stillDuration : inputInfo.duration
            return Soundtrack(url: audioURL, duration: audio.duration ?? audioInfo.duration, cutAt: videoLength,
                              isInputItself: false)
        }
        guard let audio = inputInfo.audio else { return nil }
        return Soundtrack(url: request.input, duration: audio.duration ?? inputInfo.duration, cutAt: nil,
                          isInputItself: true)
    }

    /// How long a video to make from a still image; nil for a video input.
    private func stillImageOptions(_ request: ApplyRequest, videoInfo: VideoStreamInfo,
                                   soundtrackDuration: Double?) -> StillImageOptions? {
        guard videoInfo.isStillImage else { return nil }
        let animation = request.chain.animationEndTime
        let duration = request.stillDuration ?? soundtrackDuration ?? (animation > 0 ? animation : 5)
        return StillImageOptions(duration: duration, frameRate: request.stillFrameRate)
    }

    /// Decodes 16 kHz mono audio only when an effect asked for it.
    private func audioForEffects(_ chain: EffectChain, request: ApplyRequest,
                                 soundtrackURL: URL?) throws(HostError) -> AudioClip? {
        let wantsAudio = chain.invocations.contains { $0.descriptor.inputs.contains(.audio) }
        guard wantsAudio, let url = soundtrackURL else { return nil }
        let pcm = try media("decode audio of \(url.path)") { try AudioDecoder.decodePCM(url: url, sampleRate: 16_000) }
        return AudioClip(sampleRate: pcm.sampleRate, samples: pcm.samples, startTime: pcm.startTime)
    }

    /// Runs a media call, turning its error into a `HostError` that keeps the cause.
    private func media<T>(_ what: String, _ body: () throws -> T) throws(HostError) -> T {
        do {
            return try body()
        } catch let error as HostError {
            throw error
        } catch let error as MediaError {
            throw HostError(.media, error.description)
        } catch {
            throw HostError(.media, "could not \(what)", underlying: error)
        }
    }
}

/// Collects effect warnings from any thread.
private final class WarningSink: @unchecked Sendable {
    // Safe to share: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
