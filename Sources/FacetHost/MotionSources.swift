import FacetAnalysis
import FacetMedia
import FacetMorphableModel
import FacetRender
import FacetSDK
import Foundation

/// Motion that is already known (e.g. analysed once and re-used for a second pass).
public struct PrecomputedMotion: MotionSource {
    /// The motion every call returns.
    public var motion: SceneMotion
    /// What produced it, for reports.
    public var summary: String

    /// Wraps known motion.
    public init(_ motion: SceneMotion, summary: String) {
        self.motion = motion
        self.summary = summary
    }

    /// Returns the stored motion.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion { motion }
}

/// Motion read from a motion file written by `facet analyze -o` (analyse once, edit many times).
///
/// The file is read and validated when the source is created, so a bad file is reported before
/// any decoding; it is checked against the video's size and length when the run starts.
public struct MotionFileSource: MotionSource {
    /// The file read.
    public let url: URL
    /// Its content.
    public let file: MotionFile
    /// The face model the file's coefficients belong to, when the caller loaded it (effects
    /// read its named controls); a motion file names its model but does not hold it.
    public let faceModel: FaceModelDescription?

    /// Reads and validates the motion file; `faceModel` describes the model its faces use.
    public init(url: URL, faceModel: FaceModelDescription? = nil) throws(HostError) {
        self.url = url
        self.faceModel = faceModel
        do {
            file = try MotionFile.read(from: url)
        } catch {
            throw HostError(.io, wrapping: error)
        }
    }

    /// The file's motion, after checking it belongs to a video of this size and length.
    ///
    /// For a still image the length may differ: a still's motion is the same at every frame, so
    /// it is repeated (or cut) to the length of the video being made.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
        guard let video = info.video else { return file.motion }
        let frames = stillImage.map { Int(($0.duration * $0.frameRate).rounded()) } ?? video.estimatedFrameCount
        do {
            try file.checkMatches(
                width: video.width, height: video.height,
                frameCount: stillImage == nil ? frames : nil, videoPath: input.path)
        } catch {
            throw HostError(.invalidArguments, "the motion file does not fit the input", path: url.path, cause: error)
        }
        guard let stillImage else { return file.motion }
        return Self.retimed(file.motion, to: stillImage)
    }

    /// A still's motion at every frame of a video of `still.duration` seconds at `still.frameRate`.
    static func retimed(_ motion: SceneMotion, to still: StillImageOptions) -> SceneMotion {
        let count = max(1, Int((still.duration * still.frameRate).rounded()))
        let times = (0..<count).map { Double($0) / still.frameRate }
        var result = SceneMotion(
            frameTimes: times, frameRate: still.frameRate, frameWidth: motion.frameWidth,
            frameHeight: motion.frameHeight)
        result.tracks = motion.tracks.compactMap { track in
            guard let first = track.frames.first else { return nil }
            var retimed = track
            retimed.frames = times.enumerated().map { index, time in
                var frame = first
                frame.frameIndex = index
                frame.time = time
                return frame
            }
            return retimed
        }
        return result
    }

    /// Names the file.
    public var summary: String { "motion file \(url.lastPathComponent)" }
}

/// Face analysis of the input itself: detection, tracking and 3DMM fitting (`FaceAnalyzer`).
///
/// The models load on the first use, so a run that needs no analysis never pays for them and a
/// missing model is reported only when analysis is actually needed.
public final class FaceAnalysisSource: MotionSource {
    /// The analysis settings.
    public let configuration: AnalysisConfiguration
    /// Hears the frames analysed so far.
    public var progress: ((Int) -> Void)?
    /// Polled between frames; true stops the analysis.
    public var isCancelled: () -> Bool = { false }
    /// Warnings and timings of the last analysis.
    public private(set) var lastResult: AnalysisResult?
    private var analyzer: FaceAnalyzer?

    /// Creates the source; nothing is loaded yet.
    public init(configuration: AnalysisConfiguration = AnalysisConfiguration()) {
        self.configuration = configuration
    }

    /// Creates the source around an analyzer already loaded (its models are shared, not reloaded).
    public init(analyzer: FaceAnalyzer) {
        self.configuration = analyzer.configuration
        self.analyzer = analyzer
    }

    /// A source with the same settings that shares this one's models once loaded (its own
    /// progress, cancellation and last result): for analysing a second file, e.g. a driver.
    public func sharingModels() -> FaceAnalysisSource {
        guard let analyzer else { return FaceAnalysisSource(configuration: configuration) }
        return FaceAnalysisSource(analyzer: analyzer)
    }

    /// Loads the models now (otherwise done by the first analysis); returns the analyzer.
    @discardableResult
    public func load() throws(HostError) -> FaceAnalyzer {
        if let analyzer { return analyzer }
        do {
            let loaded = try FaceAnalyzer(configuration: configuration)
            analyzer = loaded
            return loaded
        } catch {
            throw HostError(.analysisFailed, wrapping: error)
        }
    }

    /// Analyses the input.
    public func motion(for input: URL, info: MediaInfo, stillImage: StillImageOptions?) throws -> SceneMotion {
        let analyzer = try load()
        do {
            let result = try analyzer.analyze(input, stillImage: stillImage, progress: progress, isCancelled: isCancelled)
            lastResult = result
            return result.motion
        } catch {
            throw HostError(error.code == .cancelled ? .cancelled : .analysisFailed, wrapping: error)
        }
    }

    /// Names the detector and model.
    public var summary: String { analyzer?.summary ?? "dlib HOG + 68 landmarks, \(configuration.modelName)" }

    /// The analysis model's expression space and named controls (once loaded).
    public var faceModel: FaceModelDescription? { analyzer?.model.effectDescription() }
}
