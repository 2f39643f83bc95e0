import ArgumentParser
import FacetAnalysis
import FacetHost
import FacetRender
import Foundation

// The stages `facet apply` and `facet preview` share: where the motion comes from and what
// renders the edited faces. Both commands build their `Pipeline` here, so a choice made here
// (a new renderer option, say) applies to both.

/// The options that pick the pipeline's stages, shared by `apply` and `preview`.
struct StageOptions: ParsableArguments {
    @Option(name: .long, help: "Use the motion saved by `facet analyze -o FILE` instead of analysing the input again.", completion: .file())
    var motion: String?

    @Option(name: .long, help: "The models directory for face analysis (see `facet analyze --help`).", completion: .directory)
    var models: String?
}

/// Builds the pipeline of a run.
enum Stages {
    /// The pipeline for `chain`: motion from `--motion`, else face analysis (only when an effect
    /// will edit faces); the renderer from `makeRenderer`. Analysis progress goes to `progressBar`.
    static func pipeline(options: StageOptions, chain: EffectChain, progressBar: ProgressBar,
                         cancellation: CancellationFlag) throws(HostError) -> Pipeline {
        var pipeline = Pipeline()
        if let motion = options.motion {
            pipeline.motionSource = try MotionFileSource(url: URL(fileURLWithPath: motion))
        } else if !chain.invocations.isEmpty {
            // Faces are analysed only when an effect will edit them.
            var analysis = AnalysisConfiguration()
            analysis.modelsDirectory = options.models.map { URL(fileURLWithPath: $0, isDirectory: true) }
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
        }
        pipeline.renderer = try makeRenderer(options: options, motionSource: pipeline.motionSource)
        return pipeline
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
    ///
    /// RENDERER SELECTION GOES HERE (e.g. a `--renderer geometric|neural` option in
    /// `StageOptions` picking `GeometricRenderer(model:)` or `NeuralRenderer`). Until then every
    /// run passes frames through unchanged.
    static func makeRenderer(options: StageOptions, motionSource: any MotionSource) throws(HostError) -> any FrameRenderer {
        PassThroughRenderer()
    }
}
