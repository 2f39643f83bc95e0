import FacetAnalysis
import FacetMorphableModel
import FacetRender
import FacetSDK
import Foundation

// THE composition root: the one place where a working pipeline is assembled from plain options.
// `facet apply` and `facet preview` call it; so do library users, batch runners and tests.
// A new stage or input service (a driving video's motion, speech timings) adds its option to
// `PipelineOptions` and its construction to `PipelineFactory.make`, nowhere else.

/// How faces are analysed: which face model, where the models are, and the tracker's settings.
public struct AnalysisOptions: Sendable, Equatable {
    /// The face model: `sfm` (the Surrey Face Model) or a converted model's folder name, e.g. `bfm`.
    public var modelName: String = "sfm"
    /// The models directory; nil: `$FACET_MODELS_DIR`, else `../shared/models` (see Docs/Models.md).
    public var modelsDirectory: URL?
    /// dlib's 68-point landmark model; nil: Debian's libdlib-data copy.
    public var landmarkModel: URL?
    /// Run the detector every N frames between tracked frames; nil: the tracker's default.
    public var redetectInterval: Int?
    /// The smallest face side in pixels the detector looks for; nil: the tracker's default.
    public var minimumFaceSize: Float?
    /// Smooth landmarks and coefficients over time (off: raw per-frame fits, for measuring).
    public var smoothing: Bool = true

    /// The default settings.
    public init() {}

    /// The analysis module's configuration for these options.
    public var configuration: AnalysisConfiguration {
        var analysis = AnalysisConfiguration()
        analysis.modelName = modelName
        analysis.modelsDirectory = modelsDirectory
        analysis.landmarkModel = landmarkModel
        if let redetectInterval { analysis.tracking.redetectInterval = redetectInterval }
        if let minimumFaceSize { analysis.tracking.minimumFaceSize = minimumFaceSize }
        if !smoothing {
            analysis.tracking.smoothing = nil
            analysis.coefficientSmoothing = nil
        }
        return analysis
    }
}

/// Everything that picks a pipeline's stages, as plain values.
public struct PipelineOptions: Sendable {
    /// Motion from a file written by `facet analyze -o` instead of analysing the input.
    public var motionFile: URL?
    /// How the input is analysed (also the face model a motion file's faces are rendered with).
    public var analysis = AnalysisOptions()
    /// Which renderer draws the edited faces.
    public var renderer: RendererChoice = .auto
    /// PIRender's weights for the neural renderer; nil: `$FACET_PIRENDER_WEIGHTS`.
    public var weights: URL?
    /// Where analysed driving inputs are kept between runs.
    public var drivingCache: DrivingCacheChoice = .user
    /// The speech model's folder (Debian's `pocketsphinx-en-us` layout) for effects that declare
    /// `.speech`; nil: `$FACET_SPEECH_MODEL_DIR`, else `/usr/share/pocketsphinx/model/en-us`.
    public var speechModelDirectory: URL?
    /// Where analysed speech is kept between runs (`.user`: `SpeechTimelineCache.userCache()`;
    /// `.directory` names the speech cache's own folder).
    public var speechCache: DrivingCacheChoice = .user

    /// Where analysed driving inputs are kept between runs.
    public enum DrivingCacheChoice: Sendable, Equatable {
        /// The user's cache directory (`DrivingMotionCache.userCache()`).
        case user
        /// This directory.
        case directory(URL)
        /// Nowhere: drivers are analysed on every run.
        case off
    }

    /// The default options: analyse the input with the Surrey model, pick the renderer automatically.
    public init() {}
}

/// A pipeline ready to run, and the sentence saying which renderer it uses and why.
public struct ComposedPipeline {
    /// The pipeline.
    public var pipeline: Pipeline
    /// "rendering with …"; nil when no face is edited (nothing is rendered).
    public var rendererNote: String?
}

/// Builds pipelines from `PipelineOptions`.
public enum PipelineFactory {
    /// The pipeline for `chain`: motion from the motion file, else face analysis (only when an
    /// effect will edit faces, so a pass-through loads no model); the renderer `options.renderer`
    /// asks for. `analysisProgress` hears the frames analysed; `cancellation` stops the analysis.
    ///
    /// Checks that can fail without decoding anything (a named weights file that is missing, a
    /// face model that cannot load) fail here, before the run starts.
    ///
    /// When an effect names a driving input, the pipeline gets an `AnalysedDrivingInputs` that
    /// shares the source's face model; `drivingProgress` hears the driver's name and frames;
    /// `effectProgress` hears each effect of the chain as it starts (position, count, name).
    public static func make(
        _ options: PipelineOptions, for chain: EffectChain,
        analysisProgress: ((Int) -> Void)? = nil,
        drivingProgress: ((String, Int) -> Void)? = nil,
        effectProgress: ((Int, Int, String) -> Void)? = nil,
        cancellation: CancellationFlag = CancellationFlag()
    ) throws(HostError) -> ComposedPipeline {
        // Named weights are checked even when nothing will be rendered: a typo is an error, not silence.
        if let weights = options.weights, !FileManager.default.isReadableFile(atPath: weights.path) {
            throw HostError(
                .renderer,
                "--weights \(weights.path) does not exist or cannot be read; expected PIRender's weights (.safetensors or the official .pth)"
            )
        }
        let editsFaces = !chain.invocations.isEmpty
        var pipeline = Pipeline()
        pipeline.effectProgress = effectProgress
        let model: MorphableModel?
        var analysis: FaceAnalysisSource?
        if let motionFile = options.motionFile {
            model = editsFaces ? try renderModel(options.analysis) : nil
            pipeline.motionSource = try MotionFileSource(url: motionFile, faceModel: model?.effectDescription())
        } else if editsFaces {
            let source = FaceAnalysisSource(configuration: options.analysis.configuration)
            source.progress = analysisProgress
            source.isCancelled = { cancellation.isCancelled }
            model = try source.load().model
            pipeline.motionSource = source
            analysis = source
        } else {
            model = nil
        }
        if chain.namesDrivingInput {
            // Drivers are fitted with the source's model; with a motion file as the source, an
            // analyser of the same model is loaded for them alone.
            let drivers = AnalysedDrivingInputs(
                analysis: analysis?.sharingModels() ?? FaceAnalysisSource(configuration: options.analysis.configuration),
                media: pipeline.media, cache: options.drivingCache.cache)
            drivers.progress = drivingProgress
            drivers.isCancelled = { cancellation.isCancelled }
            pipeline.drivingInputs = drivers
        }
        if chain.wantsSpeech {
            pipeline.speechInputs = AnalysedSpeechInputs(
                modelDirectory: options.speechModelDirectory, cache: options.speechCache.speechCache)
        }
        guard let model else { return ComposedPipeline(pipeline: pipeline, rendererNote: nil) }
        let selection = try RendererSelection.make(options.renderer, model: model, weights: options.weights)
        pipeline.renderer = selection.renderer
        return ComposedPipeline(pipeline: pipeline, rendererNote: "rendering with " + selection.reason)
    }

    /// The face model a motion file's faces are drawn with (no edge topology: no fitting happens).
    private static func renderModel(_ analysis: AnalysisOptions) throws(HostError) -> MorphableModel {
        do {
            return try MorphableModel.load(
                named: analysis.modelName, modelsDirectory: analysis.modelsDirectory,
                loadEdgeTopology: false)
        } catch {
            throw HostError(
                .analysisFailed, "the face model \(analysis.modelName) is needed to render the motion file's faces",
                cause: error)
        }
    }
}

extension PipelineOptions.DrivingCacheChoice {
    /// The cache this choice names (nil: none).
    var cache: DrivingMotionCache? {
        switch self {
        case .user: return DrivingMotionCache.userCache()
        case .directory(let url): return DrivingMotionCache(directory: url)
        case .off: return nil
        }
    }

    /// The speech cache this choice names (nil: none).
    var speechCache: SpeechTimelineCache? {
        switch self {
        case .user: return SpeechTimelineCache.userCache()
        case .directory(let url): return SpeechTimelineCache(directory: url)
        case .off: return nil
        }
    }
}

extension EffectChain {
    /// Whether any effect of the chain declares `EffectInputs.speech`.
    public var wantsSpeech: Bool { invocations.contains { $0.descriptor.inputs.contains(.speech) } }

    /// Whether any effect of the chain is given a driving input (a non-empty driving-input parameter).
    public var namesDrivingInput: Bool {
        invocations.contains { invocation in
            invocation.descriptor.parameters.contains { spec in
                guard spec.role == .drivingInput, case .text(let text)? = invocation.parameters.values[spec.name] else { return false }
                return !text.isEmpty
            }
        }
    }
}
