import FacetAnalysis
import FacetMedia
import FacetMorphableModel
import FacetRender
import FacetSDK
import Foundation

/// What `facet analyze` and `facet models` do, as calls with plain options: analyse a video into
/// motion (and save or draw it), check a picture's consistency, time the fit, list and convert
/// face models. The CLI parses and presents; the work and its errors live here.
public enum FaceAnalysisTool {
    /// The timings of an analysis run.
    public typealias Timings = AnalysisTimings
    /// Quality figures measured on analysed motion (reprojection error, jitter).
    public typealias Statistics = MotionStatistics
    /// The result of `consistency(of:options:progress:)`.
    public typealias ConsistencyReport = ConsistencyCheck.Report
    /// The figures of `benchmarkFit(options:)`.
    public typealias FitBenchmark = FitTimings

    /// What one analysis run reads and writes.
    public struct Request: Sendable {
        /// The video or still image.
        public var input: URL
        /// For a still image: the length and frame rate of the video it becomes.
        public var still: StillImageOptions?
        /// Write the motion file here.
        public var motionFile: URL?
        /// Write a video with the analysis drawn on it here.
        public var overlay: URL?
        /// Replace the overlay video when it exists.
        public var overwrite: Bool
        /// The `generator` recorded in the motion file, e.g. "facet 0.9.0".
        public var generator: String

        /// Creates a request.
        public init(input: URL, still: StillImageOptions?, motionFile: URL?, overlay: URL?, overwrite: Bool, generator: String) {
            self.input = input
            self.still = still
            self.motionFile = motionFile
            self.overlay = overlay
            self.overwrite = overwrite
            self.generator = generator
        }
    }

    /// The motion found, with its warnings, timings and quality figures.
    public struct Outcome: Sendable {
        /// Every face's motion.
        public var motion: SceneMotion
        /// Warnings of the analysis and of drawing the overlay.
        public var warnings: [String]
        /// How long each stage took.
        public var timings: Timings
        /// Quality figures of the motion.
        public var statistics: Statistics
    }

    /// Analyses `request.input`; writes the motion file and the overlay video it asks for.
    /// `progress` hears the frames analysed; `overlayProgress` the frames drawn.
    public static func analyze(
        _ request: Request, options: AnalysisOptions, progress: ((Int) -> Void)? = nil,
        overlayProgress: (any ProgressObserver)? = nil,
        cancellation: CancellationFlag = CancellationFlag()
    ) throws(HostError) -> Outcome {
        let source = FaceAnalysisSource(configuration: options.configuration)
        let analyzer = try source.load()
        let info: MediaInfo
        do { info = try MediaProbe.probe(request.input) } catch { throw HostError(.media, wrapping: error) }
        source.progress = progress
        source.isCancelled = { cancellation.isCancelled }
        let motion: SceneMotion
        do {
            motion = try source.motion(for: request.input, info: info, stillImage: request.still)
        } catch let error as HostError {
            throw error
        } catch {
            throw HostError(.analysisFailed, wrapping: error)
        }
        guard let result = source.lastResult else { throw HostError(.analysisFailed, "analysis returned no result") }
        if let motionFile = request.motionFile {
            let file = MotionFile(
                generator: request.generator,
                source: .init(
                    path: request.input.path, width: motion.frameWidth, height: motion.frameHeight,
                    frameCount: motion.frameCount, frameRate: motion.frameRate),
                analysis: analyzer.settingsDescription, motion: motion)
            do { try file.write(to: motionFile) } catch { throw HostError(.io, wrapping: error) }
        }
        var warnings = result.warnings
        if let overlay = request.overlay {
            var pipeline = Pipeline(
                motionSource: PrecomputedMotion(motion, summary: analyzer.summary),
                renderer: OverlayRenderer(model: analyzer.model))
            let drawing = ApplyRequest(
                input: request.input, output: overlay, stillDuration: request.still?.duration,
                stillFrameRate: request.still?.frameRate ?? 25, overwrite: request.overwrite)
            warnings += try pipeline.apply(drawing, progress: overlayProgress, cancellation: cancellation).warnings
        }
        return Outcome(
            motion: motion, warnings: warnings, timings: result.timings,
            statistics: MotionStatistics(measuring: motion))
    }

    /// Analyses `picture` and the variants a person makes of it (scaled, mirrored, turned, as
    /// videos, side by side) in `directory`; `progress` hears each variant's name.
    public static func consistency(
        of picture: URL, options: AnalysisOptions, in directory: URL,
        progress: ((String) -> Void)? = nil
    ) throws(HostError) -> ConsistencyReport {
        guard FileManager.default.fileExists(atPath: picture.path) else {
            throw HostError(.io, "input \(picture.path) does not exist; expected a picture")
        }
        let analyzer = try FaceAnalysisSource(configuration: options.configuration).load()
        do {
            return try ConsistencyCheck(analyzer: analyzer).run(picture, in: directory, progress: progress)
        } catch let error as AnalysisError {
            throw HostError(.analysisFailed, wrapping: error)
        } catch {
            throw HostError(.analysisFailed, "the consistency check of \(picture.path) failed", cause: error)
        }
    }

    /// Times the fit of the configured model on synthetic views of it.
    public static func benchmarkFit(options: AnalysisOptions) throws(HostError) -> FitBenchmark {
        do {
            let model = try MorphableModel.load(
                named: options.modelName, modelsDirectory: options.modelsDirectory,
                loadEdgeTopology: false)
            return try FaceFitter(model: model).benchmark()
        } catch {
            throw HostError(.analysisFailed, wrapping: error)
        }
    }

    // MARK: - Models

    /// One folder of the models directory, and what loading it found.
    public struct ModelEntry: Sendable {
        /// The folder's name (what `--model` takes).
        public var folder: String
        /// One line describing the model, or why it did not load.
        public var summary: String
        /// The named expressions of a blendshape model (empty for PCA models).
        public var expressionNames: [String]
        /// Whether it loaded.
        public var isLoadable: Bool
    }

    /// The models directory in use: `explicit`, else the standard places (see Docs/Models.md).
    public static func modelsDirectory(explicit: URL?) throws(HostError) -> URL {
        do { return try ModelDirectory.resolve(explicit: explicit) } catch { throw HostError(.analysisFailed, wrapping: error) }
    }

    /// Every model folder of `directory`, loaded to say what it holds.
    public static func models(in directory: URL) -> [ModelEntry] {
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        return folders.compactMap { folder in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(folder).path, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { return nil }
            do {
                let model = try MorphableModel.load(named: folder, modelsDirectory: directory, loadEdgeTopology: false)
                let summary =
                    "\(model.name), \(model.vertexCount) vertices, \(model.identityCount) identity and "
                    + "\(model.expressionCount) \(model.expressionKind.rawValue) expression components, "
                    + "\(model.convention.projection.rawValue) camera, unit \(model.convention.lengthUnit)"
                return ModelEntry(
                    folder: folder, summary: summary,
                    expressionNames: model.expressionKind == .blendshapes ? model.expressionNames : [],
                    isLoadable: true)
            } catch {
                return ModelEntry(
                    folder: folder, summary: "not loadable: " + ErrorChain.describe(error), expressionNames: [],
                    isLoadable: false)
            }
        }
    }

    /// Converts Deep3DFaceRecon's BFM_model_front.mat into a model folder; returns the file written.
    public static func convertBFM(_ matFile: URL, into directory: URL) throws(HostError) -> URL {
        do { return try BFMConverter.convert(matFile: matFile, outputDirectory: directory) } catch {
            throw HostError(.analysisFailed, wrapping: error)
        }
    }
}

extension QualityBench {
    /// A bench whose analyzer uses `options` (the face model and models directory).
    public convenience init(options: AnalysisOptions) throws(HostError) {
        self.init(analyzer: try FaceAnalysisSource(configuration: options.configuration).load())
    }
}
