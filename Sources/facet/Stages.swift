import ArgumentParser
import FacetHost
import FacetMedia
import Foundation

// The options `facet apply` and `facet preview` share, and their mapping onto FacetHost's
// `PipelineOptions`. The pipeline itself is assembled by `PipelineFactory` (FacetHost), the one
// composition root: the CLI parses and presents.

extension RendererChoice: ExpressibleByArgument {}
extension PixelFormatChoice: ExpressibleByArgument {}
extension X264Preset: ExpressibleByArgument {}
extension BatchPlan.Step: ExpressibleByArgument {}

/// What to do to the input: the chain, and how a still image becomes a video; shared by `apply`
/// and `preview`.
struct EditInputOptions: ParsableArguments {
    @Option(name: .long, help: "A preset name (see `facet presets`) or a preset file path.")
    var preset: String?

    @Option(
        name: .long,
        help: "An effect chain in one-line syntax, e.g. 'direct-edit:yaw=15 | direct-edit:roll=-3' (runs after the preset's effects).")
    var chain: String?

    @Option(
        name: .long, help: "For a still image: the video's length in seconds (default: the audio's, else the preset's animation, else 5).")
    var duration: Double?

    @Option(name: .long, help: "For a still image: frames per second of the video made (default: the driver's, else 25).")
    var fps: Double?

    @Option(
        name: .long,
        help: "Use this audio file as the soundtrack instead of the input's own audio (or, for a still image, its driver's).",
        completion: .file())
    var audio: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Set a parameter on every effect of the chain that has it, e.g. --set driver=talk.mp4 (repeatable).",
            valueName: "name=value"))
    var settings: [String] = []

    func validate() throws {
        if let duration, !(duration > 0 && duration <= 24 * 3600) {
            throw ValidationError("--duration \(duration) is out of range; expected seconds in (0, 86400]")
        }
        if let fps, !(fps > 0 && fps <= 240) { throw ValidationError("--fps \(fps) is out of range; expected (0, 240]") }
    }

    /// The preset's chain followed by the --chain effects; empty when neither is given.
    func resolveChain(registry: EffectRegistry) throws(HostError) -> EffectChain {
        var invocations: [EffectInvocation] = []
        if let preset {
            invocations += try PresetLibrary.standard().resolve(preset, registry: registry).chain.invocations
        }
        if let chain {
            invocations += try ChainParser.parse(chain, registry: registry).invocations
        }
        var resolved = EffectChain(invocations: invocations)
        for assignment in settings { resolved = try resolved.setting(assignment) }
        return resolved
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

    @Option(
        name: .long,
        help: "The renderer: auto (neural when its weights and a compatible model are configured, else geometric), geometric or neural.")
    var renderer: RendererChoice = .auto

    @Option(
        name: .long,
        help: "PIRender's weights for the neural renderer (safetensors or the official .pth); default $FACET_PIRENDER_WEIGHTS.",
        completion: .file())
    var weights: String?

    @Option(
        name: .customLong("speech-model"),
        help:
            "The speech model's folder for lip-sync effects (pocketsphinx en-us layout); default $FACET_SPEECH_MODEL_DIR, else /usr/share/pocketsphinx/model/en-us.",
        completion: .directory)
    var speechModel: String?

    @Flag(
        name: .customLong("no-driver-cache"),
        help: "Analyse driving videos and speech again instead of using (and filling) the caches.")
    var noDriverCache = false

    @Flag(name: .customLong("no-cache"), help: "The same as --no-driver-cache: no cache is read or written.")
    var noCache = false

    /// FacetHost's options for these flags.
    var pipelineOptions: PipelineOptions {
        var options = PipelineOptions()
        options.motionFile = motion.map { URL(fileURLWithPath: $0) }
        options.analysis.modelName = model
        options.analysis.modelsDirectory = models.map { URL(fileURLWithPath: $0, isDirectory: true) }
        options.renderer = renderer
        options.weights = weights.map { URL(fileURLWithPath: $0) }
        options.speechModelDirectory = speechModel.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if noDriverCache || noCache {
            options.drivingCache = .off
            options.speechCache = .off
        }
        return options
    }

    /// The pipeline for `chain`, with analysis progress shown on `progressBar` (labelled
    /// "analysing", then "rendering" for the render pass).
    func pipeline(
        for chain: EffectChain, progressBar: ProgressBar,
        cancellation: CancellationFlag
    ) throws(HostError) -> ComposedPipeline {
        var analysisStarted = false
        var driverBeingAnalysed: String?
        return try PipelineFactory.make(
            pipelineOptions, for: chain,
            analysisProgress: { frames in
                if !analysisStarted {
                    analysisStarted = true
                    progressBar.nextLabel = "analysing"
                    progressBar.started(totalFrames: nil)
                    progressBar.nextLabel = "rendering"
                }
                progressBar.advanced(framesDone: frames)
            },
            drivingProgress: { driver, frames in
                if driverBeingAnalysed != driver {
                    driverBeingAnalysed = driver
                    progressBar.nextLabel = "driver " + driver
                    progressBar.started(totalFrames: nil)
                    progressBar.nextLabel = "rendering"
                }
                progressBar.advanced(framesDone: frames)
            },
            effectProgress: { position, count, name in
                progressBar.status("running \(DisplayText.escaped(name)) (\(position + 1)/\(count))")
            }, cancellation: cancellation)
    }
}
