import FacetMedia
import FacetRender
import FacetSDK
import Foundation

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
    /// Where frames are read from and written to (default: files through FFmpeg).
    public var media: any MediaBackend
    /// Prepares the files named by effects' driving-input parameters; nil: a chain that names a
    /// driver is refused.
    public var drivingInputs: (any DrivingInputProvider)?
    /// Analyses the speech of the audio effects that declare `EffectInputs.speech` get; nil: such
    /// effects get no speech (with a warning).
    public var speechInputs: (any SpeechInputProvider)?
    /// Hears each effect of the chain as it starts: its position, the chain's length and its
    /// name (`effect ID`, or `effect ID of plugin PLUGIN-ID (LIBRARY)`), for a progress line.
    public var effectProgress: ((_ position: Int, _ count: Int, _ name: String) -> Void)?

    /// Creates a pipeline with the given stages (defaults: no analysis, pass-through, FFmpeg).
    public init(
        motionSource: any MotionSource = NoFaceAnalysis(), renderer: any FrameRenderer = PassThroughRenderer(),
        media: any MediaBackend = FFmpegMedia()
    ) {
        self.motionSource = motionSource
        self.renderer = renderer
        self.media = media
    }

    /// Runs the request; `progress` hears about every frame; `cancellation` stops the run between frames.
    ///
    /// In steps: check paths and settings; `prepare` (probe, analysis, the chain on motion);
    /// `renderPass` (decode, render, encode); the contact sheet to a temporary file; `commit`
    /// (finish the video, then move the sheet into place). Whatever fails, nothing is left behind.
    public mutating func apply(
        _ request: ApplyRequest, progress: (any ProgressObserver)? = nil,
        cancellation: CancellationFlag = CancellationFlag()
    ) throws(HostError) -> ApplyReport {
        let started = Date()
        try validatePaths(request)
        try request.contactSheet?.validate(videoOutput: request.output)
        try Self.media("write \(request.output.path)") {
            try request.encoder.validate()
            try media.checkOutput(request.output)
        }
        let prepared = try prepare(RunInput(request)) { videoInfo throws(HostError) in
            _ = try Self.media("encode \(videoInfo.width)x\(videoInfo.height)") {
                try request.encoder.resolvedPixelFormat(width: videoInfo.width, height: videoInfo.height)
            }
        }
        let sheetFrames =
            try request.contactSheet.map { sheet throws(HostError) in
                try Set(
                    sheet.frameIndices(
                        frameCount: prepared.frameCount(), frameRate: prepared.frameRate,
                        duration: prepared.duration, source: prepared.source, edited: prepared.edited))
            } ?? []
        var pass = try renderPass(
            request, prepared: prepared, sheetFrames: sheetFrames, progress: progress,
            cancellation: cancellation)
        let sheetTemporary = try writeSheetTemporary(request, pass: pass, sheetFrames: sheetFrames)
        let written = try commit(request, writer: pass.writer, sheetTemporary: sheetTemporary)
        pass.timings.renderSeconds = pass.renderSeconds
        let warnings = prepared.warnings + written.warnings + prepared.warningSink.messages
        let elapsed = Date().timeIntervalSince(started)
        return ApplyReport(
            input: request.input.path, output: request.output.path, frames: written.framesWritten,
            duration: written.duration, elapsedSeconds: elapsed,
            framesPerSecond: elapsed > 0 ? Double(written.framesWritten) / elapsed : 0,
            audio: written.audioDescription, audioDuration: written.audioDuration,
            chain: request.chain.description, faces: prepared.source.tracks.count,
            analysis: motionSource.summary, renderer: renderer.summary,
            inputDamage: pass.reader.damageMessages, warnings: warnings,
            contactSheet: request.contactSheet?.output.path, timings: pass.timings,
            rendererStatistics: renderer.statisticsSummary, drivers: prepared.drivers, speech: prepared.speech)
    }

    /// What the render pass leaves: the open writer (not finished), the reader (for its damage
    /// report), the captured contact-sheet rows and the render time.
    private struct RenderPass {
        var reader: any FrameSource
        var writer: any FrameSink
        var sheetEntries: [ContactSheetEntry]
        var timings: StageTimings
        var renderSeconds: Double
    }

    /// Streams the input's frames through the renderer into a new writer (with the soundtrack),
    /// capturing the contact sheet's frames on the way. On an error the writer is cancelled.
    private mutating func renderPass(
        _ request: ApplyRequest, prepared: Prepared, sheetFrames: Set<Int>,
        progress: (any ProgressObserver)?,
        cancellation: CancellationFlag
    ) throws(HostError) -> RenderPass {
        let (source, edited) = (prepared.source, prepared.edited)
        let reader = try Self.media("open \(request.input.path)") { try media.openFrames(request.input, stillImage: prepared.still) }
        // The input's own audio is lined up with its first video frame; a separate file starts at 0.
        let soundtrack = prepared.soundtrack.map { track in
            track.isInputItself ? SoundtrackChoice.input : .file(track.url, cutAt: track.cutAt)
        }
        let writer = try Self.media("create \(request.output.path)") {
            try media.openOutput(
                request.output, video: reader.video, soundtrack: soundtrack, alongside: reader,
                settings: request.encoder)
        }
        let still = prepared.still
        progress?.started(totalFrames: still.map { Int(($0.duration * $0.frameRate).rounded()) } ?? prepared.videoInfo.estimatedFrameCount)
        defer { progress?.finished() }
        var pass = RenderPass(reader: reader, writer: writer, sheetEntries: [], timings: prepared.timings, renderSeconds: 0)
        var framesDone = 0
        do {
            while let frame = try reader.nextFrame() {
                if cancellation.isCancelled {
                    throw HostError(.cancelled, "interrupted after \(framesDone) frames; no output was written")
                }
                let renderStarted = Date()
                if let sheet = request.contactSheet, sheetFrames.contains(frame.index) {
                    pass.sheetEntries.append(try renderCapturing(frame, sheet: sheet, source: source, edited: edited))
                } else {
                    try renderer.render(frame, source: source, edited: edited)
                }
                pass.renderSeconds += Date().timeIntervalSince(renderStarted)
                try writer.write(frame)
                framesDone += 1
                progress?.advanced(framesDone: framesDone)
            }
        } catch {
            writer.cancel()
            if let error = error as? HostError { throw error }
            throw HostError(
                .media, "processing \(request.input.path) failed after \(framesDone) frames; no output was written",
                cause: error)
        }
        if cancellation.isCancelled {
            writer.cancel()
            throw HostError(.cancelled, "interrupted at the end; no output was written")
        }
        return pass
    }

    /// Composes the contact sheet into a temporary file beside its target (nil when none was
    /// asked for), so a failure on either side leaves nothing behind. Cancels the writer on error.
    private func writeSheetTemporary(
        _ request: ApplyRequest, pass: RenderPass,
        sheetFrames: Set<Int>
    ) throws(HostError) -> URL? {
        guard let sheet = request.contactSheet else { return nil }
        do throws(HostError) {
            guard !pass.sheetEntries.isEmpty else {
                throw HostError(
                    .media,
                    "no frame of \(request.input.path) was captured for the contact sheet (frames \(sheetFrames.sorted()) were expected)")
            }
            return try ContactSheet.writeTemporary(ContactSheetPicture.compose(rowOrder(pass.sheetEntries, sheet)), beside: sheet.output)
        } catch {
            pass.writer.cancel()
            throw error
        }
    }

    /// Finishes the video, then moves the sheet into place; a failure of either removes both.
    private func commit(_ request: ApplyRequest, writer: any FrameSink, sheetTemporary: URL?) throws(HostError) -> WriteReport {
        let written: WriteReport
        do throws(HostError) {
            written = try Self.media("finish \(request.output.path)") { try writer.finish() }
        } catch {
            if let sheetTemporary { try? FileManager.default.removeItem(at: sheetTemporary); TemporaryFiles.unregister(sheetTemporary) }
            throw error
        }
        if let sheetTemporary, let sheet = request.contactSheet {
            do throws(HostError) {
                try ContactSheet.commit(sheetTemporary, to: sheet.output)
            } catch {
                try? FileManager.default.removeItem(at: request.output)
                throw error
            }
        }
        return written
    }

    /// Renders only the frames a contact sheet shows and writes the sheet; no video is encoded.
    ///
    /// Analysis and the chain run over the whole input as in `apply` (effects may look at every
    /// frame); the other frames are decoded but neither converted nor rendered.
    public mutating func preview(
        _ request: PreviewRequest, progress: (any ProgressObserver)? = nil,
        cancellation: CancellationFlag = CancellationFlag()
    ) throws(HostError) -> PreviewReport {
        let started = Date()
        try media.checkInput(request.input, audio: request.audio)
        try request.sheet.validate()
        let prepared = try prepare(RunInput(request))
        let (source, edited) = (prepared.source, prepared.edited)
        let chosen = try request.sheet.frameIndices(
            frameCount: prepared.frameCount(), frameRate: prepared.frameRate,
            duration: prepared.duration, source: source, edited: edited)
        let wanted = Set(chosen)
        let last = wanted.max() ?? 0
        let reader = try Self.media("open \(request.input.path)") { try media.openFrames(request.input, stillImage: prepared.still) }
        progress?.started(totalFrames: last + 1)
        defer { progress?.finished() }
        var entries: [ContactSheetEntry] = []
        do {
            while let frame = try reader.nextFrame() {
                if cancellation.isCancelled {
                    throw HostError(.cancelled, "interrupted at frame \(frame.index); no contact sheet was written")
                }
                if wanted.contains(frame.index) {
                    entries.append(try renderCapturing(frame, sheet: request.sheet, source: source, edited: edited))
                }
                progress?.advanced(framesDone: frame.index + 1)
                if frame.index >= last { break }
            }
        } catch {
            if let error = error as? HostError { throw error }
            throw HostError(.media, "decoding \(request.input.path) for the contact sheet failed", cause: error)
        }
        guard !entries.isEmpty else {
            throw HostError(.media, "\(request.input.path) ended before frame \(chosen.min() ?? 0); no contact sheet was written")
        }
        let rows = rowOrder(entries, request.sheet)
        try ContactSheet.write(rows, to: request.sheet.output)
        var warnings = prepared.warnings + prepared.warningSink.messages
        if rows.count < chosen.count {
            warnings.append("the input ended early: the contact sheet shows \(rows.count) of \(chosen.count) frames")
        }
        return PreviewReport(
            input: request.input.path, output: request.sheet.output.path, frameIndices: rows.map(\.frameIndex),
            times: rows.map(\.time), chain: request.chain.description, faces: source.tracks.count,
            analysis: motionSource.summary, renderer: renderer.summary,
            elapsedSeconds: Date().timeIntervalSince(started), warnings: warnings, speech: prepared.speech)
    }

    // MARK: - Shared stages

    /// Probe, analysis and the effect chain: everything that happens before the first frame is
    /// rendered; `check` sees the probed video before analysis starts.
    private mutating func prepare(
        _ run: RunInput,
        check: (VideoStreamInfo) throws(HostError) -> Void = { _ in }
    ) throws(HostError) -> Prepared {
        let effects = try EffectChainRunner(run.chain)

        let info = try Self.media("probe \(run.input.path)") { try media.probe(run.input) }
        guard let videoInfo = info.video else {
            throw HostError(.media, "\(run.input.path) has no video stream; expected a video or a still image")
        }
        try check(videoInfo)
        var warnings: [String] = []
        var timings = StageTimings()
        let drivingStarted = Date()
        let driving = try drivingInputs(for: run.chain)
        timings.drivingSeconds = Date().timeIntervalSince(drivingStarted)
        // In chain order, and by parameter name within an invocation: "the first driver" is stable.
        let drivers = driving.flatMap { inputs in inputs.sorted { $0.key < $1.key }.map(\.value) }
        let drivenLength = drivers.map(\.duration).max() ?? 0
        let stillLength = stillDuration(run, videoInfo: videoInfo, warnings: &warnings) ?? (drivenLength > 0 ? drivenLength : nil)
        let soundtrack =
            try soundtrackInfo(run, inputInfo: info, stillDuration: stillLength)
            ?? (videoInfo.isStillImage ? drivingSoundtrack(drivers, stillDuration: stillLength) : nil)
        let drivenFrameRate = drivers.first { $0.duration > 0 && $0.motion.frameRate > 0 }?.motion.frameRate
        let still = stillImageOptions(
            run, videoInfo: videoInfo, stillDuration: stillLength, soundtrackDuration: soundtrack?.duration,
            drivenFrameRate: drivenFrameRate)

        // Analysis and the effect chain run on motion before a single frame is rendered.
        let analysisStarted = Date()
        let source: SceneMotion
        do {
            source = try motionSource.motion(for: run.input, info: info, stillImage: still)
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.media, "face analysis of \(run.input.path) failed", cause: error)
        }
        if let violation = source.rangeViolation() {
            throw HostError(.analysisFailed, "the motion of \(run.input.path) (\(motionSource.summary)) is out of range", cause: violation)
        }
        timings.analysisSeconds = Date().timeIntervalSince(analysisStarted)
        let effectsStarted = Date()
        let warningSink = WarningSink()
        let audioClip = try audioForEffects(run.chain, soundtrackURL: soundtrack?.url)
        let speechStarted = Date()
        let speech = try speechInputs(for: run.chain, audio: audioClip, warnings: &warnings)
        timings.speechSeconds = Date().timeIntervalSince(speechStarted)
        let edited = try effects.run(
            on: source, audio: audioClip, faceModel: self.faceModel ?? motionSource.faceModel,
            drivingInputs: driving, speech: speech, warnings: warningSink,
            started: { [effectProgress, count = effects.effects.count] position, name in effectProgress?(position, count, name) })
        timings.effectsSeconds = Date().timeIntervalSince(effectsStarted) - timings.speechSeconds
        timings.editedFaceFrames = Self.editedFaceFrames(source: source, edited: edited)
        if renderer is PassThroughRenderer, edited.tracks != source.tracks {
            warnings.append(
                "the chain edited \(source.tracks.count) face(s), but no face renderer is configured: the frames pass through unchanged")
        }
        if source.tracks.isEmpty && !run.chain.invocations.isEmpty {
            warnings.append("no faces found (analysis: \(motionSource.summary)): the video passes through unchanged")
        }
        warnings += (drivingInputs as? AnalysedDrivingInputs)?.warnings ?? []
        return Prepared(
            info: info, videoInfo: videoInfo, soundtrack: soundtrack, still: still, source: source,
            edited: edited, warnings: warnings, warningSink: warningSink, timings: timings,
            drivers: drivingInputs?.reports ?? [], speech: speechInputs?.reports ?? [])
    }

    /// How many face-frames differ between `source` and `edited` (matched by track id and frame).
    static func editedFaceFrames(source: SceneMotion, edited: SceneMotion) -> Int {
        var count = 0
        for track in edited.tracks {
            guard let original = source.tracks.first(where: { $0.id == track.id }) else { continue }
            for (before, after) in zip(original.frames, track.frames)
            where before.coefficients != after.coefficients || original.identity != track.identity {
                count += 1
            }
        }
        return count
    }

    /// Renders `frame`, capturing its picture before and after for a contact sheet row.
    private mutating func renderCapturing(
        _ frame: VideoFrame, sheet: ContactSheetRequest, source: SceneMotion,
        edited: SceneMotion
    ) throws -> ContactSheetEntry {
        // `rgb` is a value: this copy is unaffected by whatever the renderer then does to the frame
        // (in-place plane edits invalidate the frame's cache; a replaced image is a new array).
        let before = try frame.rgb
        try renderer.render(frame, source: source, edited: edited)
        let after = try frame.rgb
        let crop =
            sheet.cropToFaces
            ? ContactSheetPicture.cropRect(
                frameIndex: frame.index, source: source, edited: edited,
                frameWidth: frame.width, frameHeight: frame.height)
            : nil
        return ContactSheetEntry(
            frameIndex: frame.index, time: frame.time, fullBefore: before, fullAfter: after,
            crop: crop, cellHeight: sheet.cellHeight)
    }

    /// The captured rows in the order asked for: one per entry of `times` (the frame nearest
    /// each), else by frame.
    private func rowOrder(_ entries: [ContactSheetEntry], _ sheet: ContactSheetRequest) -> [ContactSheetEntry] {
        guard let times = sheet.times else { return entries.sorted { $0.frameIndex < $1.frameIndex } }
        return times.compactMap { time in entries.min { abs($0.time - time) < abs($1.time - time) } }
    }

    // MARK: - Helpers

    /// Rejects paths that cannot work, before anything is decoded.
    func validatePaths(_ request: ApplyRequest) throws(HostError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        try media.checkInput(request.input, audio: request.audio)
        let input = request.input.resolvingSymlinksInPath().standardizedFileURL.path
        let output = request.output.resolvingSymlinksInPath().standardizedFileURL.path
        if input == output {
            throw HostError(
                .invalidArguments,
                "output \(request.output.path) is the input itself; expected a different output path (the input is never overwritten)")
        }
        if files.fileExists(atPath: request.output.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw HostError(
                    .invalidArguments,
                    "output \(request.output.path) is a directory; expected a file path such as \(request.output.appendingPathComponent("out.mp4").path)"
                )
            }
            if !request.overwrite {
                throw HostError(.invalidArguments, "output \(request.output.path) already exists; pass --overwrite (-y) to replace it")
            }
        }
    }

    /// What `apply` and `preview` share of their requests.
    private struct RunInput {
        var input: URL
        var chain: EffectChain
        var stillDuration: Double?
        var stillFrameRate: Double?
        var audio: URL?

        init(_ request: ApplyRequest) {
            (input, chain, stillDuration, stillFrameRate, audio) =
                (request.input, request.chain, request.stillDuration, request.stillFrameRate, request.audio)
        }

        init(_ request: PreviewRequest) {
            (input, chain, stillDuration, stillFrameRate, audio) =
                (request.input, request.chain, request.stillDuration, request.stillFrameRate, request.audio)
        }
    }

    /// The state after analysis and the chain.
    private struct Prepared {
        var info: MediaInfo
        var videoInfo: VideoStreamInfo
        var soundtrack: Soundtrack?
        var still: StillImageOptions?
        var source: SceneMotion
        var edited: SceneMotion
        var warnings: [String]
        var warningSink: WarningSink
        var timings: StageTimings
        var drivers: [DriverReport]
        var speech: [SpeechReport]

        /// Frames per second of the video rendered.
        var frameRate: Double { still?.frameRate ?? videoInfo.frameRate }
        /// Length in seconds of the video rendered (0 when unknown).
        var duration: Double { still?.duration ?? videoInfo.duration ?? info.duration ?? 0 }

        /// How many frames the render pass will see.
        func frameCount() throws(HostError) -> Int {
            if let still { return max(1, Int((still.duration * still.frameRate).rounded())) }
            if !source.frameTimes.isEmpty { return source.frameTimes.count }
            if let count = videoInfo.estimatedFrameCount, count > 0 { return count }
            throw HostError(
                .media,
                "the number of frames of \(info.path) is unknown (no frame count or duration in the container); expected a video with a known length for a contact sheet"
            )
        }
    }

    private struct Soundtrack {
        var url: URL
        var duration: Double?
        var cutAt: Double?
        var isInputItself: Bool
    }

    /// Where the output's audio comes from: a separate audio file, or the input's own audio stream.
    private func soundtrackInfo(_ run: RunInput, inputInfo: MediaInfo, stillDuration: Double?) throws(HostError) -> Soundtrack? {
        if let audioURL = run.audio {
            let audioInfo = try Self.media("probe \(audioURL.path)") { try media.probe(audioURL) }
            guard let audio = audioInfo.audio else {
                throw HostError(.media, "\(audioURL.path) has no audio stream; expected an audio file for --audio")
            }
            let videoLength = inputInfo.video?.isStillImage == true ? stillDuration : inputInfo.duration
            return Soundtrack(
                url: audioURL, duration: audio.duration ?? audioInfo.duration, cutAt: videoLength,
                isInputItself: false)
        }
        guard let audio = inputInfo.audio else { return nil }
        return Soundtrack(
            url: run.input, duration: audio.duration ?? inputInfo.duration, cutAt: nil,
            isInputItself: true)
    }

    /// For a still image, the length asked for — lengthened to the chain's animation when it is
    /// shorter, with a warning saying so. Nil for a video input or when no length was asked for.
    private func stillDuration(_ run: RunInput, videoInfo: VideoStreamInfo, warnings: inout [String]) -> Double? {
        guard videoInfo.isStillImage, let asked = run.stillDuration else { return nil }
        let animation = run.chain.animationEndTime
        guard animation > asked else { return asked }
        warnings.append(
            String(
                format: "--duration %g s is shorter than the preset's %g s animation; the video lasts %g s",
                asked, animation, animation))
        return animation
    }

    /// How long a video to make from a still image, and at what frame rate (asked for, else the
    /// first moving driver's, so its motion is sampled frame for frame, else 25); nil for a video input.
    private func stillImageOptions(
        _ run: RunInput, videoInfo: VideoStreamInfo, stillDuration: Double?,
        soundtrackDuration: Double?, drivenFrameRate: Double?
    ) -> StillImageOptions? {
        guard videoInfo.isStillImage else { return nil }
        let animation = run.chain.animationEndTime
        let duration = stillDuration ?? soundtrackDuration ?? (animation > 0 ? animation : 5)
        return StillImageOptions(duration: duration, frameRate: run.stillFrameRate ?? drivenFrameRate ?? 25)
    }

    /// The driving inputs of every invocation (parameter name → input), in chain order; a driver
    /// named twice is prepared once. Relative paths are relative to the working directory (a
    /// preset's were made absolute against its folder when it was read).
    private func drivingInputs(for chain: EffectChain) throws(HostError) -> [[String: DrivingInput]] {
        var result: [[String: DrivingInput]] = []
        for invocation in chain.invocations {
            var inputs: [String: DrivingInput] = [:]
            let wantsAudio = invocation.descriptor.inputs.contains(.drivingAudio)
            for spec in invocation.descriptor.parameters where spec.role == .drivingInput {
                guard case .text(let text)? = invocation.parameters.values[spec.name], !text.isEmpty else { continue }
                guard let drivingInputs else {
                    throw HostError(
                        .invalidArguments,
                        "\(invocation.descriptor.id): \(spec.name)=\(text) names a driving input, but this pipeline has no driving-input service; expected one built by PipelineFactory",
                        at: invocation.location)
                }
                do {
                    inputs[spec.name] = try drivingInputs.drivingInput(URL(fileURLWithPath: text), withAudio: wantsAudio)
                } catch {
                    throw HostError(error.code, "\(invocation.descriptor.id): \(spec.name)", at: invocation.location, cause: error)
                }
            }
            result.append(inputs)
        }
        return result
    }

    /// For a still source with no audio of its own or given: the first driving video's audio, cut
    /// at the still's length.
    private func drivingSoundtrack(_ drivers: [DrivingInput], stillDuration: Double?) -> Soundtrack? {
        for input in drivers where input.kind == .video {
            let url = URL(fileURLWithPath: input.path)
            guard let info = try? media.probe(url), let audio = info.audio else { continue }
            return Soundtrack(url: url, duration: audio.duration ?? info.duration, cutAt: stillDuration, isInputItself: false)
        }
        return nil
    }

    /// The speech of `audio` for every invocation that declares `.speech` (nil for the others, and
    /// for all when there is no audio), with its transcript parameter's text or file.
    private func speechInputs(for chain: EffectChain, audio: AudioClip?, warnings: inout [String]) throws(HostError) -> [SpeechInput?] {
        let wanting = chain.invocations.filter { $0.descriptor.inputs.contains(.speech) }
        guard !wanting.isEmpty, let audio, !audio.samples.isEmpty else { return chain.invocations.map { _ in nil } }
        guard let speechInputs else {
            warnings.append("the chain asks for speech, but this pipeline has no speech service (one built by PipelineFactory has)")
            return chain.invocations.map { _ in nil }
        }
        var result: [SpeechInput?] = []
        for invocation in chain.invocations {
            guard invocation.descriptor.inputs.contains(.speech) else {
                result.append(nil)
                continue
            }
            do {
                var transcript: String?
                for spec in invocation.descriptor.parameters where spec.role == .transcript {
                    guard case .text(let text)? = invocation.parameters.values[spec.name] else { continue }
                    transcript = try TranscriptText.resolve(text)
                    if transcript != nil { break }
                }
                result.append(try speechInputs.speech(of: audio, transcript: transcript))
            } catch {
                throw HostError(error.code, "\(invocation.descriptor.id): speech", at: invocation.location, cause: error)
            }
        }
        warnings += speechInputs.warnings
        return result
    }

    /// Decodes 16 kHz mono audio only when an effect asked for it (`.audio`, or `.speech`, which implies it).
    private func audioForEffects(_ chain: EffectChain, soundtrackURL: URL?) throws(HostError) -> AudioClip? {
        let wantsAudio = chain.invocations.contains { $0.descriptor.inputs.hearsAudio }
        guard wantsAudio, let url = soundtrackURL else { return nil }
        return try Self.media("decode audio of \(url.path)") { try media.decodeAudio(url, sampleRate: 16_000) }
    }

    /// Runs a media call, turning its error into a `HostError` that keeps the cause.
    private static func media<T>(_ what: String, _ body: () throws -> T) throws(HostError) -> T {
        try HostError.catching(.media, "could not \(what)", body)
    }
}
