import FacetMorphableModel
import FacetRender
import Foundation

/// Which renderer a run asks for.
public enum RendererChoice: String, Sendable, CaseIterable {
    /// The neural renderer when it can run (weights and a compatible model), else the geometric one.
    case auto
    /// The mesh-guided warp: needs no weights, works with every face model.
    case geometric
    /// PIRender: needs its weights and a PCA model in PIRender's layout; an error otherwise.
    case neural
}

/// The renderer picked for a run, and why — shown to the user so a silent fallback never hides.
public struct RendererSelection {
    /// The renderer.
    public var renderer: any FrameRenderer
    /// One sentence: which renderer, and why this one.
    public var reason: String

    /// The environment variable naming PIRender's weights when `--weights` is not given.
    public static let weightsEnvironmentVariable = "FACET_PIRENDER_WEIGHTS"

    /// Picks the renderer for `choice` with the analysis `model`; `weights` is the PIRender
    /// checkpoint (nil: `$FACET_PIRENDER_WEIGHTS`, else none).
    public static func make(
        _ choice: RendererChoice, model: MorphableModel, weights: URL?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HostError) -> RendererSelection {
        let weightsURL = weights ?? environment[weightsEnvironmentVariable].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        let availability = NeuralRenderer.availability(model: model, weights: weightsURL)
        let missing = availability.problems.joined(separator: "; ")
        switch choice {
        case .geometric:
            return try geometric(model, reason: "the geometric renderer, as asked")
        case .neural:
            guard availability.isAvailable, let weightsURL else {
                throw HostError(
                    .renderer,
                    "the neural renderer cannot run: \(missing); pass --weights FILE (or set "
                        + "$\(weightsEnvironmentVariable)) with a model converted by `facet models convert-bfm` "
                        + "(--model), or use --renderer geometric, which needs no weights")
            }
            return try neural(model, weights: weightsURL)
        case .auto:
            guard availability.isAvailable, let weightsURL else {
                return try geometric(model, reason: "the geometric renderer (the neural one cannot run: \(missing))")
            }
            do {
                return try neural(model, weights: weightsURL)
            } catch {
                return try geometric(model, reason: "the geometric renderer (\(error.message))")
            }
        }
    }

    private static func geometric(_ model: MorphableModel, reason: String) throws(HostError) -> RendererSelection {
        RendererSelection(renderer: GeometricRenderer(model: model), reason: reason)
    }

    private static func neural(_ model: MorphableModel, weights: URL) throws(HostError) -> RendererSelection {
        do {
            let renderer = try NeuralRenderer(model: model, weights: weights)
            return RendererSelection(renderer: renderer, reason: "the neural renderer (PIRender, weights \(weights.lastPathComponent))")
        } catch {
            throw HostError(.renderer, "the neural renderer could not start", cause: error)
        }
    }
}
