import Dispatch
import FacetMedia
import FacetMorphableModel
import FacetSDK
import Foundation

/// How a video is analysed: which models, how faces are tracked, fitted and smoothed.
public struct AnalysisConfiguration: Sendable {
    /// The face model's folder name in the models directory ("sfm": the Surrey Face Model).
    public var modelName = "sfm"
    /// The models directory; nil searches the standard places (see `ModelDirectory`).
    public var modelsDirectory: URL?
    /// dlib's 68-point landmark model; nil uses `LandmarkPredictor.defaultModelURL`.
    public var landmarkModel: URL?
    /// Detection and tracking settings (landmark smoothing included).
    public var tracking = FaceTracker.Configuration()
    /// Fitting settings.
    public var fitting = FaceFitter.Configuration()
    /// Smoothing of the fitted pose, translation and expression after fitting (nil: none). The
    /// components are smoothed in units chosen so one unit is about one pixel of a 200 px face:
    /// degrees for angles, the model's length unit scaled to the face, expression × 100.
    public var coefficientSmoothing: TemporalSmoother? = TemporalSmoother(minCutoff: 1.0, beta: 0.3)

    /// The defaults: Surrey Face Model, dlib's landmarks, landmark and coefficient smoothing on.
    public init() {}
}

/// Where analysis spent its time, for `facet analyze --timings` and the benchmark.
public struct AnalysisTimings: Codable, Sendable, Equatable {
    /// Frames analysed.
    public var frames: Int
    /// Face-frames fitted (one face in one frame).
    public var faceFrames: Int
    /// Wall time of the whole analysis including decoding, seconds.
    public var totalSeconds: Double
    /// Loading the face model and the landmark model, seconds (not part of `totalSeconds`).
    public var loadSeconds: Double
    /// Reading the frames' luma (grayscale), seconds.
    public var lumaSeconds: Double
    /// Face detection (whole frames and regions, scaling included), seconds.
    public var detectionSeconds: Double
    /// Whole-frame plus region detection passes.
    public var detectionPasses: Int
    /// The thorough searches (first frame, then every `thoroughSearchSeconds`), seconds (part of
    /// `detectionSeconds`; wall time, their passes shared by two threads).
    public var thoroughSearchSeconds: Double = 0
    /// Coarse searches run on the second thread while faces were followed (not in `detectionSeconds`).
    public var concurrentSearches: Int = 0
    /// Landmark prediction, seconds.
    public var landmarkSeconds: Double
    /// Landmark predictions run (more than face-frames: the tracker also probes).
    public var landmarkPredictions: Int
    /// Fitting identities over tracks, seconds.
    public var identityFitSeconds: Double
    /// Fitting pose and expression of every face-frame, seconds.
    public var frameFitSeconds: Double
    /// Smoothing fitted coefficients, seconds.
    public var smoothingSeconds: Double

    /// Frames per second of the whole analysis.
    public var framesPerSecond: Double { totalSeconds > 0 ? Double(frames) / totalSeconds : 0 }
    /// Mean milliseconds per detection pass.
    public var millisecondsPerDetection: Double { detectionPasses > 0 ? detectionSeconds * 1000 / Double(detectionPasses) : 0 }
    /// Mean milliseconds per landmark prediction.
    public var millisecondsPerLandmarkPrediction: Double {
        landmarkPredictions > 0 ? landmarkSeconds * 1000 / Double(landmarkPredictions) : 0
    }
    /// Mean milliseconds per face-frame fit (pose and expression with the track's identity).
    public var millisecondsPerFrameFit: Double { faceFrames > 0 ? frameFitSeconds * 1000 / Double(faceFrames) : 0 }
}

/// What an analysis produced.
public struct AnalysisResult: Sendable {
    /// Every face's motion.
    public var motion: SceneMotion
    /// Where the time went.
    public var timings: AnalysisTimings
    /// Things a person should know (e.g. "no faces found", profile views fitted with low confidence,
    /// a face too small to analyse).
    public var warnings: [String]
    /// Every candidate face the tracker found and did not use, with its reason (the warnings name
    /// the ones a person would miss).
    public var rejections: [Rejection] = []
}

/// Analyses a video (or a still image): detects and tracks faces, fits the 3D morphable model to
/// every track and returns the motion effects edit.
///
/// Per track, the identity is fitted jointly over up to 20 frames spread over it, then pose,
/// translation and expression per frame; landmarks are smoothed before fitting and the
/// coefficients after, both forwards and backwards in time (no lag). A still image is analysed
/// once and its fit repeated for every frame of the video made from it.
///
/// Immutable once loaded: several videos may be analysed at once, each call with its own tracker.
public final class FaceAnalyzer: Sendable {
    /// The settings.
    public let configuration: AnalysisConfiguration
    /// The face model fitted.
    public let model: MorphableModel
    /// The landmark predictor (shareable).
    public let predictor: LandmarkPredictor
    private let loadSeconds: Double

    /// Loads the face model and the landmark model. Throws `AnalysisError` naming the file that
    /// is missing or malformed.
    public init(configuration: AnalysisConfiguration = AnalysisConfiguration()) throws(AnalysisError) {
        let start = FaceTracker.now()
        self.configuration = configuration
        // dlib's landmark model takes most of the loading (about 1.4 s of 2 on a 2-core machine):
        // it is decoded on another thread while this one reads the face model and the detector's.
        let landmarkURL = configuration.landmarkModel ?? LandmarkPredictor.defaultModelURL
        let landmarks = LoadedInBackground { () throws(AnalysisError) in try LandmarkPredictor(modelURL: landmarkURL) }
        do {
            model = try MorphableModel.load(named: configuration.modelName, modelsDirectory: configuration.modelsDirectory)
        } catch let error as ModelError {
            let code: AnalysisError.Code =
                error.code == .fileNotFound ? .fileNotFound : error.code == .incompatible ? .incompatible : .malformed
            let hint =
                error.code == .fileNotFound
                ? " (see Docs/Models.md: pass --models DIR or set FACET_MODELS_DIR; scripts/fetch-sfm.sh downloads the Surrey Face Model)"
                : ""
            throw AnalysisError(code, "face model \"\(configuration.modelName)\" could not be loaded" + hint, cause: error)
        } catch {
            throw AnalysisError(.malformed, "face model \"\(configuration.modelName)\" could not be loaded", cause: error)
        }
        // The detector's model is decoded once per process, by the first detector made: do it now, with
        // the other models, so each analysis only copies it.
        _ = try FaceDetector()
        predictor = try landmarks.value()
        loadSeconds = FaceTracker.now() - start
    }

    private init(configuration: AnalysisConfiguration, model: MorphableModel, predictor: LandmarkPredictor) {
        self.configuration = configuration
        self.model = model
        self.predictor = predictor
        self.loadSeconds = 0
    }

    /// An analyzer with other settings that shares this one's loaded face and landmark models (no
    /// loading; the model name, models directory and landmark model of `configuration` are ignored).
    public func sharingModels(configuration: AnalysisConfiguration) -> FaceAnalyzer {
        var settings = configuration
        settings.modelName = self.configuration.modelName
        settings.modelsDirectory = self.configuration.modelsDirectory
        settings.landmarkModel = self.configuration.landmarkModel
        return FaceAnalyzer(configuration: settings, model: model, predictor: predictor)
    }

    /// A one-line description for reports, e.g. "dlib HOG + 68 landmarks, sfm_3448".
    public var summary: String { "dlib HOG + 68 landmarks, \(model.name)" }

    /// The settings as strings, for the `analysis` field of motion files.
    public var settingsDescription: [String: String] {
        let tracking = configuration.tracking
        return [
            "detector":
                "dlib HOG frontal face detector (frames scaled to \(tracking.detectionMaxSide) px, whole-frame search every \(tracking.redetectInterval) frames)",
            "landmarks": predictor.modelURL.lastPathComponent,
            "faceModel": model.name,
            "landmarkSmoothing": tracking.smoothing.map { "forward-backward One Euro, minCutoff \($0.minCutoff) Hz, beta \($0.beta)" }
                ?? "off",
            "coefficientSmoothing": configuration.coefficientSmoothing.map {
                "forward-backward One Euro, minCutoff \($0.minCutoff) Hz, beta \($0.beta)"
            } ?? "off",
        ]
    }

    /// Analyses `url`. `stillImage` makes a still image into a video of that length (as the
    /// pipeline does); `progress` hears the frames analysed so far; `isCancelled` is polled
    /// between frames and stops the run with `AnalysisError.cancelled`.
    public func analyze(
        _ url: URL, stillImage: StillImageOptions? = nil,
        progress: ((Int) -> Void)? = nil,
        isCancelled: () -> Bool = { false }
    ) throws(AnalysisError) -> AnalysisResult {
        let start = FaceTracker.now()
        let reader: VideoReader
        do {
            reader = try VideoReader(url: url, stillImage: stillImage)
        } catch {
            throw AnalysisError(error.code == .fileNotFound ? .fileNotFound : .malformed, wrapping: error.at(url.path))
        }
        let video = reader.video
        let tracker = try FaceTracker(configuration: configuration.tracking, predictor: predictor)
        let isStill = video.isStillImage
        if !isStill {
            // The tracker restarts at the video's chunks, as a segmented analysis does
            // (`trackSegment`); a stream whose packets cannot be indexed has one chunk.
            tracker.restartFrames = Set((try? KeyframeIndex.read(url))?.chunkStarts() ?? [])
        }
        let frameTimes = try trackFaces(
            in: reader, with: tracker, isStill: isStill, url: url, progress: progress,
            isCancelled: isCancelled)
        let landmarkTracks = try tracker.finish()
        return try motion(
            from: landmarkTracks, frameTimes: frameTimes, video: video, url: url, rejections: tracker.rejections,
            timings: trackingTimings(of: tracker, frames: frameTimes.count), started: start)
    }

    /// The motion of tracked (smoothed) landmark tracks: each track fitted, warnings made, as
    /// the last part of `analyze` and of `SegmentedAnalysis.merge`.
    func motion(
        from landmarkTracks: [LandmarkTrack], frameTimes: [Double], video: VideoStreamInfo, url: URL, rejections: [Rejection],
        timings trackingTimings: AnalysisTimings, started start: Double
    ) throws(AnalysisError) -> AnalysisResult {
        let isStill = video.isStillImage
        var timings = trackingTimings
        var tracks: [FaceTrack] = []
        var warnings: [String] = []
        let fitter = FaceFitter(model: model, configuration: configuration.fitting)
        for landmarkTrack in landmarkTracks {
            var track = try fit(landmarkTrack, fitter: fitter, width: video.width, height: video.height, timings: &timings)
            if isStill, let only = track.frames.first {
                // Repeat the still's one fit at every frame time of the video made from it.
                track.frames = frameTimes.enumerated().map { index, time in
                    var frame = only
                    frame.frameIndex = index
                    frame.time = time
                    return frame
                }
            }
            if let warning = lowConfidenceWarning(track, tracked: landmarkTrack, isStill: isStill) { warnings.append(warning) }
            tracks.append(track)
        }
        let notUsed = Self.summary(of: rejections, keeping: tracks)
        if tracks.isEmpty {
            warnings.append(
                "no faces found in \(url.lastPathComponent)"
                    + (notUsed.isEmpty
                        ? " (the detector finds roughly frontal faces, from \(Int(configuration.tracking.minimumFaceSize)) px tall; --min-face-size sets the smallest)"
                        : ""))
        }
        warnings += notUsed
        timings.faceFrames = isStill ? landmarkTracks.count : tracks.reduce(0) { $0 + $1.frames.count }
        timings.totalSeconds = FaceTracker.now() - start
        let motion = SceneMotion(
            frameTimes: frameTimes, frameRate: video.frameRate, frameWidth: video.width,
            frameHeight: video.height, tracks: tracks)
        return AnalysisResult(motion: motion, timings: timings, warnings: warnings, rejections: rejections)
    }

    /// Feeds every frame of `reader` to `tracker` (a still image's one picture once) and returns the
    /// frames' times; `progress` hears the frames read so far, `isCancelled` is polled before each.
    private func trackFaces(
        in reader: VideoReader, with tracker: FaceTracker, isStill: Bool, url: URL,
        progress: ((Int) -> Void)?, isCancelled: () -> Bool
    ) throws(AnalysisError) -> [Double] {
        var frameTimes: [Double] = []
        do {
            while let frame = try reader.nextFrame() {
                if isCancelled() { throw AnalysisError(.cancelled, "analysis interrupted after \(frameTimes.count) frames") }
                frameTimes.append(frame.time)
                // A still image repeats one picture: analyse it once.
                if !isStill || frame.index == 0 { try tracker.process(frame) }
                progress?(frameTimes.count)
            }
        } catch let error as AnalysisError {
            throw error
        } catch let error as MediaError {
            throw AnalysisError(.malformed, "decoding failed after \(frameTimes.count) frames", path: url.path, cause: error)
        } catch {
            throw AnalysisError(.libraryFailure, "analysis failed after \(frameTimes.count) frames", path: url.path, cause: error)
        }
        return frameTimes
    }

    /// The timings of loading and tracking (the fitting's are added per track).
    private func trackingTimings(of tracker: FaceTracker, frames: Int) -> AnalysisTimings {
        var timings = AnalysisTimings(
            frames: frames, faceFrames: 0, totalSeconds: 0, loadSeconds: loadSeconds,
            lumaSeconds: tracker.statistics.lumaSeconds, detectionSeconds: tracker.statistics.detectionSeconds,
            detectionPasses: tracker.statistics.detections + tracker.statistics.regionDetections + tracker.statistics.thoroughPasses,
            landmarkSeconds: tracker.statistics.landmarkSeconds, landmarkPredictions: tracker.statistics.landmarkPredictions,
            identityFitSeconds: 0, frameFitSeconds: 0, smoothingSeconds: 0)
        timings.thoroughSearchSeconds = tracker.statistics.thoroughSeconds
        timings.concurrentSearches = tracker.statistics.concurrentSearches
        return timings
    }

    /// The warning for a fitted track with frames of low confidence (nil when it has none), saying
    /// why: turned or tipped too far, partly outside the frame / not confirmed by the detector
    /// (`tracked`'s own low confidence), or landmarks the model does not fit.
    private func lowConfidenceWarning(_ track: FaceTrack, tracked landmarkTrack: LandmarkTrack, isStill: Bool) -> String? {
        let low = track.frames.filter { $0.confidence < 0.5 }
        guard !low.isEmpty else { return nil }
        let limit = configuration.fitting.confidentYaw
        let turned = low.filter { abs($0.coefficients.pose.yaw) > limit || abs($0.coefficients.pose.pitch) > limit }.count
        let lowTracking = Set(landmarkTrack.frames.filter { $0.confidence < 0.5 }.map(\.frameIndex))
        let outside = low.filter {
            lowTracking.contains(isStill ? 0 : $0.frameIndex)
                && !(abs($0.coefficients.pose.yaw) > limit || abs($0.coefficients.pose.pitch) > limit)
        }.count
        var reasons: [String] = []
        if turned > 0 {
            reasons.append("\(turned) turned beyond \(Int((limit * 180 / .pi).rounded()))° (a profile or a view from above or below)")
        }
        if outside > 0 { reasons.append("\(outside) partly outside the frame or not confirmed by the detector") }
        let rest = low.count - turned - outside
        if rest > 0 { reasons.append("\(rest) whose landmarks the model does not fit well") }
        return "face \(track.id): \(low.count) of \(track.frames.count) frames fitted with low confidence: "
            + reasons.joined(separator: ", ")
    }

    /// One warning per candidate face that was not used (the first of the rejections at one place),
    /// leaving out candidates where a track was kept. When faces were found, only the candidates a
    /// person would miss are named: detections that scored as real faces (≥ 0.5) and faces too
    /// small to analyse that scored at least 0.3 (face-like patterns on clothes and walls score
    /// below); when none was found, every candidate, best first, to say what was seen instead. At
    /// most five lines, and a count of the rest. `AnalysisResult.rejections` has them all.
    static func summary(of rejections: [Rejection], keeping tracks: [FaceTrack]) -> [String] {
        var kept: [Rejection] = []
        for rejection in rejections {
            let tracked = tracks.contains { track in
                track.frames.contains { frame in
                    guard let box = frame.box, abs(frame.frameIndex - rejection.frameIndex) <= 1 else { return false }
                    return box.intersectionOverUnion(rejection.box) > 0.3
                }
            }
            if tracked { continue }
            if kept.contains(where: { $0.box.intersectionOverUnion(rejection.box) > 0.3 }) { continue }
            kept.append(rejection)
        }
        if !tracks.isEmpty {
            kept = kept.filter { rejection in
                if case .tooSmall = rejection.reason { return rejection.score >= 0.3 }
                return rejection.score >= 0.5
            }
        } else {
            kept.sort { $0.score > $1.score }
        }
        let limit = 5
        var lines = kept.prefix(limit).map { "not used: \($0.description)" }
        if kept.count > limit { lines.append("not used: \(kept.count - limit) more candidate faces") }
        return lines
    }

    // MARK: - Fitting one track

    private func fit(
        _ track: LandmarkTrack, fitter: FaceFitter, width: Int, height: Int,
        timings: inout AnalysisTimings
    ) throws(AnalysisError) -> FaceTrack {
        let landmarks = track.frames.map(\.landmarks)
        let trackFit: TrackFit
        var faceTrack: FaceTrack
        do {
            trackFit = try fitter.fitTrack(landmarks: landmarks, imageWidth: width, imageHeight: height)
            faceTrack = try trackFit.faceTrack(
                id: track.id, model: model, frameIndices: track.frames.map(\.frameIndex),
                times: track.frames.map(\.time), boxes: track.frames.map(\.box),
                landmarks: landmarks)
        } catch {
            throw AnalysisError(.libraryFailure, "fitting face \(track.id) failed", cause: error)
        }
        timings.identityFitSeconds += trackFit.identitySeconds
        timings.frameFitSeconds += trackFit.framesSeconds

        let smoothingStart = FaceTracker.now()
        if let smoother = configuration.coefficientSmoothing, faceTrack.frames.count > 2 {
            try smoothCoefficients(&faceTrack, with: smoother)
        }
        // Fit error after smoothing, over the landmarks the fit used; confidence combines the
        // tracker's (landmarks out of the frame, lost detections) and the fit's (profiles).
        for index in faceTrack.frames.indices {
            let frameFit = trackFit.frames[index]
            faceTrack.frames[index].fitError = reprojectionError(
                of: faceTrack.frames[index].coefficients, identity: faceTrack.identity, camera: trackFit.camera,
                contourVertices: frameFit.contourVertices, landmarks: landmarks[index])
            faceTrack.frames[index].confidence = max(0, min(1, frameFit.confidence * track.frames[index].confidence))
        }
        timings.smoothingSeconds += FaceTracker.now() - smoothingStart
        return faceTrack
    }

    /// Smooths pose, translation and expression together, in units of about a pixel of a 200 px face.
    private func smoothCoefficients(_ track: inout FaceTrack, with smoother: TemporalSmoother) throws(AnalysisError) {
        let widths = track.frames.compactMap { $0.box?.width }.sorted()
        let faceWidth = widths.isEmpty ? 200 : max(widths[widths.count / 2], 1)
        let degrees: Float = 180 / .pi
        let expressionScale: Float = 100
        // Translation x/y: model units → pixels of this face → pixels of a 200 px face.
        let depths = track.frames.map { -$0.coefficients.translation.z }.sorted()
        let depth = depths[depths.count / 2]
        let pixelsPerUnit = track.camera.map { $0.focalLength / max(depth, 1e-6) } ?? 1
        let translationScale = pixelsPerUnit * 200 / faceWidth
        // Depth changes the scale: relative depth × 100 is about pixels of a 200 px face.
        let depthScale = 100 / max(depth, 1e-6)
        let series: [[Float]] = track.frames.map { frame in
            let c = frame.coefficients
            return [
                c.pose.yaw * degrees, c.pose.pitch * degrees, c.pose.roll * degrees,
                c.translation.x * translationScale, c.translation.y * translationScale, c.translation.z * depthScale,
            ]
                + c.expression.map { $0 * expressionScale }
        }
        let smoothed = try smoother.smooth(series, times: track.frames.map(\.time))
        let isBlendshapes = track.expressionBasis == .blendshapes
        for index in track.frames.indices {
            let values = smoothed[index]
            track.frames[index].coefficients = FaceCoefficients(
                pose: HeadPose(yaw: values[0] / degrees, pitch: values[1] / degrees, roll: values[2] / degrees),
                translation: Vector3(x: values[3] / translationScale, y: values[4] / translationScale, z: values[5] / depthScale),
                expression: values[6...].map { isBlendshapes ? max(0, $0 / expressionScale) : $0 / expressionScale })
        }
    }

    /// Mean distance (px) between `landmarks` and the model's projected landmarks, over the
    /// fixed landmarks and the contour landmarks the fit matched.
    private func reprojectionError(
        of coefficients: FaceCoefficients, identity: [Float], camera: FaceCamera,
        contourVertices: [Int: Int], landmarks: [Point2]
    ) -> Float {
        let projected = model.projectedLandmarks(
            identity: identity, coefficients: coefficients, camera: camera,
            contourVertices: contourVertices)
        var total: Float = 0
        var count = 0
        for (index, point) in projected.enumerated() {
            guard let point else { continue }
            let number = index + 1
            let isContour = LandmarkMap.rightContourLandmarks.contains(number) || LandmarkMap.leftContourLandmarks.contains(number)
            if isContour && contourVertices[number] == nil { continue }
            let dx = point.x - landmarks[index].x
            let dy = point.y - landmarks[index].y
            total += (dx * dx + dy * dy).squareRoot()
            count += 1
        }
        return count > 0 ? total / Float(count) : 0
    }
}

/// A value made on a background thread while the caller does other work; `value()` waits for it.
/// The thread runs to its end even when the caller gives up waiting (an earlier error).
private final class LoadedInBackground<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, AnalysisError>?

    init(_ make: @escaping @Sendable () throws(AnalysisError) -> Value) {
        Thread.detachNewThread { [self] in
            do throws(AnalysisError) { result = .success(try make()) } catch { result = .failure(error) }
            done.signal()
        }
    }

    /// The value, or the error making it threw (waits until it is made).
    func value() throws(AnalysisError) -> Value {
        done.wait()
        return try result!.get()
    }
}
