// Normalisation layers: LayerNorm2d (PIRender's C·H·W layer norm with (C,1,1) affine) and
// ADAIN (adaptive instance norm whose scale and shift come from a descriptor through MLPs).
// Ren et al., "PIRenderer", ICCV 2021; Huang & Belongie, "Arbitrary Style Transfer in
// Real-time with Adaptive Instance Normalization", ICCV 2017.

/// LayerNorm over C·H·W jointly with a per-channel affine: `weight` (C,1,1), `bias` (C,1,1),
/// eps 1e-5 (PIRender's `LayerNorm2d(n, affine=True)`).
public final class LayerNorm2d {
    /// Per-channel scale, (C,1,1).
    public let weight: Tensor
    /// Per-channel shift, (C,1,1).
    public let bias: Tensor
    /// Added to the variance inside the square root.
    public let eps: Float

    /// Creates the layer and registers `prefix.weight` and `prefix.bias`.
    public init(channels: Int, eps: Float = Ops.normalizationEpsilon, registry: ParameterRegistry, prefix: String) {
        weight = registry.register(prefix + ".weight", Tensor(shape: [channels, 1, 1]))
        bias = registry.register(prefix + ".bias", Tensor(shape: [channels, 1, 1]))
        self.eps = eps
    }

    /// out = layer_norm(x), then LeakyReLU when `leakyReLUSlope` is given; `out` may be `x`.
    /// `statistics`, when given, describe `x` (see `Ops.layerNorm2d`).
    public func forward(
        _ out: Tensor, _ x: Tensor, leakyReLUSlope: Float? = nil,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (N,C,H,W) -> out (N,C,H,W)
        try Ops.layerNorm2d(out, x, weight: weight, bias: bias, eps: eps, leakyReLUSlope: leakyReLUSlope, statistics: statistics)
    }
}

/// Adaptive instance normalisation (PIRender's `ADAIN(norm_nc, feature_nc)`):
/// y = instance_norm(x) · (1 + γ) + β with γ, β = MLPs(descriptor).
///
/// Keys: `mlp_shared.0` Linear(feature → 128) + ReLU, `mlp_gamma` and `mlp_beta`
/// Linear(128 → C). γ and β depend only on the descriptor: `modulate` computes them once per
/// frame into this layer's own `gamma`/`beta` tensors, then `forward` applies them.
public final class AdaptiveInstanceNorm {
    /// The hidden width of the shared MLP layer, fixed by the architecture.
    public static let hiddenWidth = 128
    /// Linear(feature → 128), followed by ReLU.
    public let mlpShared: Linear
    /// Linear(128 → C): the scale offset γ.
    public let mlpGamma: Linear
    /// Linear(128 → C): the shift β.
    public let mlpBeta: Linear
    /// γ for the current descriptor, (1, C).
    public let gamma: Tensor
    /// β for the current descriptor, (1, C).
    public let beta: Tensor
    /// The ReLU'd hidden vector, (1, 128).
    private let hidden: Tensor

    /// Creates the layer for `channels` normalised channels and a `featureChannels` descriptor;
    /// registers the three Linears under `prefix`.
    public init(channels: Int, featureChannels: Int, registry: ParameterRegistry, prefix: String) {
        mlpShared = Linear(inFeatures: featureChannels, outFeatures: Self.hiddenWidth, registry: registry, prefix: prefix + ".mlp_shared.0")
        mlpGamma = Linear(inFeatures: Self.hiddenWidth, outFeatures: channels, registry: registry, prefix: prefix + ".mlp_gamma")
        mlpBeta = Linear(inFeatures: Self.hiddenWidth, outFeatures: channels, registry: registry, prefix: prefix + ".mlp_beta")
        gamma = Tensor(shape: [1, channels])
        beta = Tensor(shape: [1, channels])
        hidden = Tensor(shape: [1, Self.hiddenWidth])
    }

    /// Computes γ and β from a descriptor flattened to (1, feature).
    public func modulate(descriptor: Tensor) throws(NeuralError) {
        // descriptor (1,D) -> gamma (1,C), beta (1,C)
        try mlpShared.forward(hidden, descriptor)
        try Ops.relu(hidden, hidden)
        try mlpGamma.forward(gamma, hidden)
        try mlpBeta.forward(beta, hidden)
    }

    /// out = instance_norm(x)·(1+γ)+β with the last `modulate`'s γ, β, then LeakyReLU when
    /// `leakyReLUSlope` is given; `out` may be `x`. `statistics`, when given, describe `x`
    /// (see `Ops.adaptiveInstanceNorm`).
    public func forward(
        _ out: Tensor, _ x: Tensor, leakyReLUSlope: Float? = nil,
        statistics: ChannelStatistics? = nil
    ) throws(NeuralError) {
        // x (1,C,H,W) -> out (1,C,H,W)
        try Ops.adaptiveInstanceNorm(out, x, gamma: gamma, beta: beta, leakyReLUSlope: leakyReLUSlope, statistics: statistics)
    }
}
