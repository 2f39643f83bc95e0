import ArgumentParser
import FacetHost
import FacetMedia
import FacetSDK
import Foundation

/// `facet analyze`: find, track and fit every face of a video; save the motion and/or draw it.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse the faces of a video: track them, fit the 3D face model, save or draw the result.",
        discussion: """
            Every face is detected (dlib HOG), followed with 68 landmarks, and fitted with the \
            3D morphable model (the Surrey Face Model by default): identity over the whole \
            track, head pose, translation and expression per frame, smoothed without lag.

            -o writes a motion file (Docs/MotionFiles.md) that `facet apply --motion` reuses, so \
            a video is analysed once and edited many times. --overlay writes a copy of the video \
            with the fitted mesh, the landmarks, the pose axes and each face's id and confidence \
            drawn on it. Without either, a summary is printed.

            --consistency checks a picture of your own: it is analysed as it is and as the \
            variants a person makes of it (scaled 0.5x and 2x, mirrored, turned ±10°, as a 3 s \
            video at its own size, in 1280x720 and with noise, side by side with its mirror), and \
            a table says whether every face is found and reads the same pose in all of them, and \
            how steady a still picture is as a video (see Docs/Analysis.md).

            The face model is looked for in --models, $FACET_MODELS_DIR, \
            ~/.local/share/facet/models, <facet>/../share/facet/models and ../shared/models \
            (see Docs/Models.md; scripts/fetch-sfm.sh downloads the Surrey Face Model).
            """
    )

    @Argument(help: "The input video or still image.", completion: .file())
    var input: String?

    @Flag(
        name: .customLong("benchmark-fit"),
        help: "Instead of analysing a file, time the model fit on synthetic landmark frames and print the figures.")
    var benchmarkFit = false

    @Flag(
        name: .long,
        help:
            "Check a picture: analyse it and its variants (scaled, mirrored, turned, as videos, side by side) and print whether they agree."
    )
    var consistency = false

    @Option(
        name: .customLong("min-face-size"),
        help: "The smallest face to analyse, in pixels (height of the face box; smaller ones are reported).")
    var minFaceSize: Float = 40

    @Option(name: .shortAndLong, help: "Write the motion file here (.json).", completion: .file())
    var output: String?

    @Option(name: .long, help: "Write a video with the analysis drawn on it (.mp4, .m4v, .mov or .mkv).", completion: .file())
    var overlay: String?

    @Option(name: .long, help: "The models directory (holding sfm/ and converted models).", completion: .directory)
    var models: String?

    @Option(name: .long, help: "The face model's folder in the models directory.")
    var model: String = "sfm"

    @Option(
        name: .customLong("landmark-model"),
        help: "dlib's 68-point landmark model (default: $FACET_LANDMARK_MODEL or /usr/share/dlib/shape_predictor_68_face_landmarks.dat).",
        completion: .file())
    var landmarkModel: String?

    @Option(name: .customLong("detect-every"), help: "Search whole frames for new faces every N frames.")
    var detectEvery: Int = 5

    @Flag(name: .customLong("no-smoothing"), help: "Keep the raw per-frame landmarks and fits (no temporal smoothing).")
    var noSmoothing = false

    @Option(name: .long, help: "For a still image: the video's length in seconds.")
    var duration: Double = 5

    @Option(name: .long, help: "For a still image: frames per second.")
    var fps: Double = 25

    @Flag(name: [.customShort("y"), .long], help: "Replace output files that exist.")
    var overwrite = false

    @Flag(name: .long, help: "Print the summary, quality figures and timings as JSON on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func validate() throws {
        if input == nil && !benchmarkFit { throw ValidationError("missing the input video or image; expected `facet analyze INPUT …`") }
        guard detectEvery >= 1, detectEvery <= 1000 else {
            throw ValidationError("--detect-every \(detectEvery) is out of range; expected 1 … 1000")
        }
        guard minFaceSize >= 16, minFaceSize <= 4096 else {
            throw ValidationError("--min-face-size \(minFaceSize) is out of range; expected 16 … 4096 pixels")
        }
        if consistency && (output != nil || overlay != nil) {
            throw ValidationError("--consistency prints a table; it writes no motion file (-o) or overlay (--overlay)")
        }
        guard duration > 0, duration <= 24 * 3600 else {
            throw ValidationError("--duration \(duration) is out of range; expected seconds in (0, 86400]")
        }
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps \(fps) is out of range; expected (0, 240]") }
        if let output, !output.lowercased().hasSuffix(".json") {
            throw ValidationError("-o \(DisplayText.quoted(output, limit: 200)): a motion file is JSON; expected a path ending in .json")
        }
    }

    /// What `--json` prints.
    struct Report: Encodable {
        var input: String
        var motionFile: String?
        var overlay: String?
        var frames: Int
        var faces: [FaceSummary]
        var statistics: FaceAnalysisTool.Statistics
        var timings: FaceAnalysisTool.Timings
        var warnings: [String]
    }

    /// One track in the report.
    struct FaceSummary: Encodable {
        var id: Int
        var firstFrame: Int
        var lastFrame: Int
        var frames: Int
        var meanFitError: Float?
        var meanConfidence: Float
    }

    /// The analysis settings the options give.
    private var analysisOptions: AnalysisOptions {
        var options = AnalysisOptions()
        options.modelName = model
        options.modelsDirectory = models.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.landmarkModel = landmarkModel.map { URL(fileURLWithPath: $0) }
        options.redetectInterval = detectEvery
        options.minimumFaceSize = minFaceSize
        options.smoothing = !noSmoothing
        return options
    }

    func run() throws {
        if benchmarkFit { return try runFitBenchmark() }
        guard let input else { return }
        let inputURL = URL(fileURLWithPath: input)
        if consistency { return try runConsistency(inputURL) }
        let cancellation = CancellationFlag()
        SignalGuard.watch(cancellation)
        do {
            try checkPaths(inputURL)
            // The frame count is estimated from the container for the progress bar only.
            let info = try? MediaProbe.probe(inputURL)
            let still = info?.video?.isStillImage == true ? StillImageOptions(duration: duration, frameRate: fps) : nil
            let progressBar = ProgressBar(enabled: Terminal.stderrIsTerminal && !quiet && !json)
            progressBar.label = "analysing"
            progressBar.started(totalFrames: still.map { Int(($0.duration * $0.frameRate).rounded()) } ?? info?.video?.estimatedFrameCount)
            let overlayBar = ProgressBar(enabled: Terminal.stderrIsTerminal && !quiet && !json)
            overlayBar.label = "drawing"
            let request = FaceAnalysisTool.Request(
                input: inputURL, still: still, motionFile: output.map { URL(fileURLWithPath: $0) },
                overlay: overlay.map { URL(fileURLWithPath: $0) }, overwrite: overwrite, generator: "facet \(FacetVersion.current)")
            var analysisDone = false
            let outcome = try FaceAnalysisTool.analyze(
                request, options: analysisOptions,
                progress: { frames in
                    progressBar.advanced(framesDone: frames)
                },
                overlayProgress: OverlayProgress(
                    before: { if !analysisDone { analysisDone = true; progressBar.finished() } },
                    bar: overlayBar), cancellation: cancellation)
            if !analysisDone { progressBar.finished() }
            try present(outcome)
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    /// `--consistency`: the picture and its variants analysed, the agreement printed as a table.
    private func runConsistency(_ inputURL: URL) throws {
        do {
            let showProgress = Terminal.stderrIsTerminal && !quiet && !json
            let report = try FaceAnalysisTool.consistency(
                of: inputURL, options: analysisOptions,
                in: FileManager.default.temporaryDirectory
            ) { variant in
                if showProgress { Terminal.error("facet: analysing \(variant)…") }
            }
            if json { return try Terminal.printJSON(report) }
            print(ConsistencyTable(report).text)
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    /// Times the fit of the configured model on synthetic views (`FaceFitter.benchmark`).
    private func runFitBenchmark() throws {
        do {
            let timings = try FaceAnalysisTool.benchmarkFit(options: analysisOptions)
            if json { try Terminal.printJSON(["description": timings.description]) } else { print("  \(timings.description)") }
        } catch let error as HostError {
            throw ExitCode(FacetCLI.report(error))
        }
    }

    /// Refuses outputs that exist (without --overwrite) or that are the input, before analysing.
    private func checkPaths(_ inputURL: URL) throws(HostError) {
        let input = inputURL.path
        guard FileManager.default.fileExists(atPath: inputURL.path) else {
            throw HostError(.io, "input \(input) does not exist; expected a video or image file")
        }
        for path in [output, overlay].compactMap({ $0 }) {
            let url = URL(fileURLWithPath: path)
            if url.standardizedFileURL.path == inputURL.standardizedFileURL.path {
                throw HostError(.invalidArguments, "\(path) is the input itself; expected a different output path")
            }
            if FileManager.default.fileExists(atPath: url.path) && !overwrite {
                throw HostError(.invalidArguments, "\(path) already exists; pass --overwrite (-y) to replace it")
            }
        }
        if let overlay {
            do { try VideoWriter.checkOutput(URL(fileURLWithPath: overlay)) } catch { throw HostError(.media, wrapping: error) }
        }
        if let output { try OutputPreflight.checkWritable(URL(fileURLWithPath: output), what: "motion file") }
        if output != nil, output == overlay {
            throw HostError(.invalidArguments, "-o and --overlay name the same file; expected two different paths")
        }
    }

    private func present(_ outcome: FaceAnalysisTool.Outcome) throws {
        let (motion, statistics, warnings) = (outcome.motion, outcome.statistics, outcome.warnings)
        let faces = motion.tracks.map { track in
            let errors = track.frames.compactMap(\.fitError)
            return FaceSummary(
                id: track.id, firstFrame: track.frames.first?.frameIndex ?? 0,
                lastFrame: track.frames.last?.frameIndex ?? 0, frames: track.frames.count,
                meanFitError: errors.isEmpty ? nil : errors.reduce(0, +) / Float(errors.count),
                meanConfidence: track.frames.isEmpty ? 0 : track.frames.map(\.confidence).reduce(0, +) / Float(track.frames.count))
        }
        if json {
            try Terminal.printJSON(
                Report(
                    input: input ?? "", motionFile: output, overlay: overlay, frames: motion.frameCount,
                    faces: faces, statistics: statistics, timings: outcome.timings, warnings: warnings))
            return
        }
        guard !quiet else { return }
        for warning in warnings { Terminal.warning(warning) }
        let timings = outcome.timings
        Terminal.error(
            String(
                format: "facet: analysed %d frames in %.2f s (%.1f fps): %d face%@",
                timings.frames, timings.totalSeconds, timings.framesPerSecond, faces.count, faces.count == 1 ? "" : "s"))
        for face in faces {
            Terminal.error(
                String(
                    format: "  face %d: frames %d–%d (%d), fit error %.2f px, confidence %.2f",
                    face.id, face.firstFrame, face.lastFrame, face.frames, face.meanFitError ?? .nan, face.meanConfidence))
        }
        if let error = statistics.normalisedReprojectionError {
            Terminal.error(
                String(
                    format: "  reprojection error %.2f%% of the eye distance; jitter: landmarks %.3f px, pose %.3f°",
                    error * 100, statistics.landmarkJitter ?? .nan, statistics.poseJitterRMSDegrees ?? .nan))
        }
        Terminal.error(
            String(
                format: "  time per frame: detection %.2f ms per pass (%d passes), landmarks %.2f ms, fit %.3f ms per face",
                timings.millisecondsPerDetection, timings.detectionPasses,
                timings.millisecondsPerLandmarkPrediction, timings.millisecondsPerFrameFit))
        if let output { Terminal.error("facet: wrote \(output)") }
        if let overlay { Terminal.error("facet: wrote \(overlay)") }
    }
}

/// Ends the analysis bar when the overlay starts drawing, then shows the drawing on its own bar.
private final class OverlayProgress: ProgressObserver {
    private let before: () -> Void
    private let bar: ProgressBar

    init(before: @escaping () -> Void, bar: ProgressBar) {
        self.before = before
        self.bar = bar
    }

    func started(totalFrames: Int?) {
        before()
        bar.started(totalFrames: totalFrames)
    }

    func advanced(framesDone: Int) { bar.advanced(framesDone: framesDone) }
    func finished() { bar.finished() }
}
