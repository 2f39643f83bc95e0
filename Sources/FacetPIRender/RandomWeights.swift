import FacetBenchmarkSupport
import FacetNeural

/// Deterministic random weights for benchmarks without a weights file: N(0, 0.02) like the
/// reference's initialisation, LayerNorm weights 1.
public enum RandomWeights {
    /// Fills every parameter of `registry` from the seeded sequence `seed`.
    public static func fill(_ registry: ParameterRegistry, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for (name, tensor) in registry.parameters {
            let isLayerNormWeight = tensor.rank == 3 && tensor.shape[1] == 1 && tensor.shape[2] == 1 && name.hasSuffix(".weight")
            for index in 0..<tensor.count {
                tensor.data[index] = isLayerNormWeight ? 1 : Float(random.gaussian() * 0.02)
            }
        }
    }
}
