import FacetAnalysis
import FacetMedia
import FacetSDK
import Foundation

// The host service behind `DrivingInputParameter`s: a file named in a chain becomes analysed
// motion in the effect's context. The pipeline asks for every driving input of a chain before
// the source is analysed (a still source becomes as long as its driver).

/// Turns a driving file (video, still image, motion file) into a `DrivingInput`.
public protocol DrivingInputProvider: AnyObject {
    /// The driving input of `url`, with its audio when `withAudio` and it has sound.
    func drivingInput(_ url: URL, withAudio: Bool) throws(HostError) -> DrivingInput
    /// What was prepared so far, one entry per file, in the order first asked for.
    var reports: [DriverReport] { get }
}

/// How one driving file was prepared, for the run's report.
public struct DriverReport: Sendable, Equatable, Codable {
    /// The file.
    public var path: String
    /// What it was.
    public var kind: DrivingInput.Kind
    /// Frames of motion (1 for a still image).
    public var frames: Int
    /// Faces found.
    public var faces: Int
    /// Whether the motion came from the cache (no analysis ran).
    public var fromCache: Bool
    /// Seconds spent analysing it (0 from the cache or a motion file).
    public var analysisSeconds: Double
    /// Seconds spent reading, keying and storing it (cache lookups, motion files, audio).
    public var preparationSeconds: Double
}

/// Driving inputs analysed with the source's face model, cached by content (`DrivingMotionCache`).
public final class AnalysedDrivingInputs: DrivingInputProvider {
    /// Hears the frames analysed of the driver being analysed (its file name first).
    public var progress: ((String, Int) -> Void)?
    /// Polled between frames; true stops the analysis.
    public var isCancelled: () -> Bool = { false }
    /// Warnings met while preparing (e.g. a cache that could not be written).
    public private(set) var warnings: [String] = []
    /// See `DrivingInputProvider`.
    public private(set) var reports: [DriverReport] = []

    private let analysis: FaceAnalysisSource
    private let media: any MediaBackend
    private let cache: DrivingMotionCache?
    private var prepared: [String: DrivingInput] = [:]

    /// A provider that analyses with `analysis`'s face model (loaded on first use; shared with
    /// the source's analysis when it is the same source), reads files through `media`, and keeps
    /// results in `cache` (nil: analyse every time).
    public init(analysis: FaceAnalysisSource, media: any MediaBackend = FFmpegMedia(), cache: DrivingMotionCache?) {
        self.analysis = analysis
        self.media = media
        self.cache = cache
    }

    /// See `DrivingInputProvider`. A file asked for twice in one run is prepared once.
    public func drivingInput(_ url: URL, withAudio: Bool) throws(HostError) -> DrivingInput {
        let path = url.standardizedFileURL.path
        if var known = prepared[path] {
            if withAudio, known.audio == nil, known.kind != .motionFile { known.audio = try audio(of: url, info: nil) }
            prepared[path] = known
            return known
        }
        let started = Date()
        try checkExists(url)
        let analyzer = try analysis.load()
        var input: DrivingInput
        var report: DriverReport
        var info: MediaInfo?
        if Self.looksLikeMotionFile(url) {
            input = try motionFileInput(url, modelName: analyzer.model.name)
            report = DriverReport(
                path: path, kind: .motionFile, frames: input.motion.frameCount, faces: input.motion.tracks.count, fromCache: false,
                analysisSeconds: 0, preparationSeconds: 0)
        } else {
            let probed = try probe(url)
            info = probed
            (input, report) = try analysedInput(url, info: probed, analyzer: analyzer)
        }
        guard !input.motion.tracks.isEmpty else {
            throw HostError(
                .invalidArguments,
                "driver \(url.path) has no face (\(input.motion.frameCount) frame(s) looked at); expected a video, image or motion file showing a face"
            )
        }
        if withAudio, input.kind != .motionFile { input.audio = try audio(of: url, info: info) }
        report.preparationSeconds = Date().timeIntervalSince(started) - report.analysisSeconds
        prepared[path] = input
        reports.append(report)
        return input
    }

    // MARK: - Steps

    private func checkExists(_ url: URL) throws(HostError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw HostError(
                .invalidArguments, "driver \(url.path) does not exist; expected a video, image or motion file (`facet analyze -o`)")
        }
        guard !isDirectory.boolValue else {
            throw HostError(.invalidArguments, "driver \(url.path) is a directory; expected a video, image or motion file")
        }
    }

    /// A motion file's motion, refused when its faces were fitted with another model.
    private func motionFileInput(_ url: URL, modelName: String) throws(HostError) -> DrivingInput {
        let file: MotionFile
        do { file = try MotionFile.read(from: url) } catch {
            throw HostError(.invalidArguments, "driver \(url.path) is not usable", cause: error)
        }
        if let other = file.motion.tracks.first(where: { $0.modelName != modelName }) {
            throw HostError(
                .invalidArguments,
                "driver \(url.path) was analysed with face model \(other.modelName), but this run uses \(modelName); expected the same model (analyse the driver again with `facet analyze --model …`, or pass the driver's video)"
            )
        }
        return DrivingInput(path: url.path, kind: .motionFile, motion: file.motion)
    }

    /// A video's or image's motion, from the cache or analysed now (and stored).
    private func probe(_ url: URL) throws(HostError) -> MediaInfo {
        do { return try media.probe(url) } catch {
            throw HostError(.invalidArguments, "driver \(url.path) is not a video, image or motion file that can be read", cause: error)
        }
    }

    private func analysedInput(_ url: URL, info: MediaInfo, analyzer: FaceAnalyzer) throws(HostError) -> (DrivingInput, DriverReport) {
        guard let video = info.video else {
            throw HostError(
                .invalidArguments, "driver \(url.path) has no video stream; expected a video, image or motion file showing a face")
        }
        let kind: DrivingInput.Kind = video.isStillImage ? .still : .video
        var settings = analyzer.settingsDescription
        settings["expressionCoefficients"] = String(analyzer.model.expressionCount)
        settings["identityCoefficients"] = String(analyzer.model.identityCount)
        let key = cache == nil ? nil : try DrivingMotionCache.key(of: url, settings: settings)
        if let cache, let key, let motion = cache.motion(for: key) {
            let report = DriverReport(
                path: url.path, kind: kind, frames: motion.frameCount, faces: motion.tracks.count, fromCache: true,
                analysisSeconds: 0, preparationSeconds: 0)
            return (DrivingInput(path: url.path, kind: kind, motion: motion), report)
        }
        let analysisStarted = Date()
        let name = url.lastPathComponent
        let motion: SceneMotion
        do {
            // A still is one frame: its motion is the same at every moment.
            let result = try analyzer.analyze(
                url, stillImage: kind == .still ? StillImageOptions(duration: 1.0 / 25, frameRate: 25) : nil,
                progress: progress.map { report in { frames in report(name, frames) } }, isCancelled: isCancelled)
            motion = result.motion
        } catch {
            throw HostError(error.code == .cancelled ? .cancelled : .analysisFailed, "analysing driver \(url.path) failed", cause: error)
        }
        if let violation = motion.rangeViolation() {
            throw HostError(.analysisFailed, "the motion of driver \(url.path) is out of range", cause: violation)
        }
        let seconds = Date().timeIntervalSince(analysisStarted)
        if let cache, let key, !motion.tracks.isEmpty, let warning = cache.store(motion, for: key, driver: url, settings: settings) {
            warnings.append(warning)
        }
        let report = DriverReport(
            path: url.path, kind: kind, frames: motion.frameCount, faces: motion.tracks.count, fromCache: false,
            analysisSeconds: seconds, preparationSeconds: 0)
        return (DrivingInput(path: url.path, kind: kind, motion: motion), report)
    }

    /// The driver's audio, nil when it has none; `info` is its probe when already made.
    private func audio(of url: URL, info: MediaInfo?) throws(HostError) -> AudioClip? {
        let probed: MediaInfo
        if let info { probed = info } else { probed = try probe(url) }
        guard probed.audio != nil else { return nil }
        return try HostError.catching(.media, "could not decode the audio of driver \(url.path)") {
            try media.decodeAudio(url, sampleRate: 16_000)
        }
    }

    /// Whether the file starts like JSON naming the motion-file format (the first 4 KiB are read).
    static func looksLikeMotionFile(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4096), let first = head.first(where: { !$0.isWhitespace }) else { return false }
        return first == UInt8(ascii: "{") && String(decoding: head, as: UTF8.self).contains(MotionFile.formatName)
    }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
