import ArgumentParser
import FacetAnalysis
import FacetHost
import FacetMorphableModel
import FacetRender
import Foundation

// The stages `facet apply` and `facet preview` share: where the motion comes from and what
// renders the edited faces. Both commands build their `Pipeline` here, so a choice made here
// (a new renderer option, say) applies to both.

/// What to do to the input: the chain, and how a still image becomes a video; shared by `apply`
/// and `preview`.
struct EditInputOptions: ParsableArguments {
    @Option(name: .long, help: "A preset name (see `facet presets`) or a preset file path.")
    var preset: String?

    @Option(name: .long, help: "An effect chain in one-line syntax, e.g. 'direct-edit:yaw=15 | direct-edit:roll=-3' (runs after the preset's effects).")
    var chain: String?

    @Option(name: .long, help: "For a still image: the video's length in seconds (default: the audio's, else the preset's animation, else 5).")
    var duration: Double?

    @Option(name: .long, help: "For a still image: frames per second of the video made.")
    var fps: Double = 25

    @Option(name: .long, help: "Use this audio file as the soundtrack instead of the input's own audio.", completion: .file())
    var audio: String?

    func validate() throws {
        if let duration, !(duration > 0 && duration <= 24 * 3600) {
            throw ValidationError("--duration \(duration) is out of range; expected seconds in (0, 86400]")
        }
        guard fps > 0, fps <= 240 else { throw ValidationError("--fps \(fps) is out of range; expected (0, 240]") }
    }
}

/// The options that pick the pipeline's stages, shared by `apply` and `preview`.
struct StageOptions: ParsableArguments {
    @Option(name: .long, help: "Use the motion saved by `facet analyze -o FILE` instead of analysing the input again.", completion: .file())
    var motion: String?

    @Option(name: .long, help: "The models directory for face analysis (see `facet analyze --help`).", completion: .directory)
    var models: String?

    @Option(name: .long, help: "The face model: sfm (the Surrey Face Model, default) or a converted model's folder name, e.g. bfm.")
    var model: String = "sfm"

    @Option(name: .long, help: "The renderer: auto (neural when its weights and a compatible model are configured, else geometric), geometric or neural.")
    var renderer: String = "auto"

    @Option(name: .long, help: "PIRender's weights for the neural renderer (safetensors or the official .pth); default $FACET_PIRENDER_WEIGHTS.", completion: .file())
    var weights: String?

    func validate() throws {
        guard RendererChoice(rawValue: renderer) != nil else {
            throw ValidationError("--renderer \(DisplayText.quoted(renderer)) is not known; expected auto, geometric or neural")
        }
    }
}

/// Builds the pipeline of a run.
enum Stages {
    /// The pipeline for `chain`: motion from `--motion`, else face analysis (only when an effect
    /// will edit faces); the renderer from `makeRenderer`. Analysis progress goes to `progressBar`.
    /// `note` says which renderer runs and why (nil when no face is edited).
    static func pipeline(options: StageOptions, chain: EffectChain, progressBar: ProgressBar,
                         cancellation: CancellationFlag) throws(HostError) -> (pipeline: Pipeline, note: String?) {
        var pipeline = Pipeline()
        var model: MorphableModel?
        // Named weights are checked even when nothing will be rendered: a typo is an error, not silence.
        if let weights = options.weights, !FileManager.default.isReadableFile(atPath: weights) {
            throw HostError(.renderer, "--weights \(weights) does not exist or cannot be read; expected PIRender's weights (.safetensors or the official .pth)")
        }
        let modelsDirectory = options.models.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let motion = options.motion {
            pipeline.motionSource = try MotionFileSource(url: URL(fileURLWithPath: motion))
            if !chain.invocations.isEmpty {
                do {
                    model = try MorphableModel.load(named: options.model, modelsDirectory: modelsDirectory, loadEdgeTopology: false)
                } catch {
                    throw HostError(.analysisFailed, "the face model \(options.model) is needed to render the motion file's faces", cause: error)
                }
            }
        } else if !chain.invocations.isEmpty {
            // Faces are analysed only when an effect will edit them.
            var analysis = AnalysisConfiguration()
            analysis.modelName = options.model
            analysis.modelsDirectory = modelsDirectory
            let source = FaceAnalysisSource(configuration: analysis)
            try source.load()
            source.isCancelled = { cancellation.isCancelled }
            var analysisStarted = false
            source.progress = { frames in
                if !analysisStarted {
                    analysisStarted = true
                    progressBar.nextLabel = "analysing"
                    progressBar.started(totalFrames: nil)
                    progressBar.nextLabel = "rendering"
                }
                progressBar.advanced(framesDone: frames)
            }
            pipeline.motionSource = source
            model = try source.load().model
        }
        guard let model else { return (pipeline, nil) }
        pipeline.faceModel = model.effectDescription()
        let selection = try makeRenderer(options: options, model: model)
        pipeline.renderer = selection.renderer
        return (pipeline, "rendering with " + selection.reason)
    }

    /// The preset's chain followed by the --chain effects; empty when neither is given.
    static func chain(preset: String?, chain: String?, registry: EffectRegistry) throws(HostError) -> EffectChain {
        var invocations: [EffectInvocation] = []
        if let preset {
            invocations += try PresetLibrary.standard().resolve(preset, registry: registry).chain.invocations
        }
        if let chain {
            invocations += try ChainParser.parse(chain, registry: registry).invocations
        }
        return EffectChain(invocations: invocations)
    }

    /// THE place where the renderer is chosen, for `apply` and `preview` alike.
    static func makeRenderer(options: StageOptions, model: MorphableModel) throws(HostError) -> RendererSelection {
        try RendererSelection.make(RendererChoice(rawValue: options.renderer) ?? .auto, model: model,
                                   weights: options.weights.map { URL(fileURLWithPath: $0) })
    }
}
