// Binding checkpoint tensors to a model's parameters, failing loudly: every missing, unexpected
// and mis-shaped key is named in one error (habit of mlx-swift-lm's weight loading).

/// The parameters a model expects, by checkpoint key (kept verbatim, e.g.
/// `editing_net.decoder.final.model.0.weight`), and the binding of a `TensorFile` to them.
///
/// Layers register their tensors as they are built. Keys that a checkpoint must contain but
/// that provably do not influence the output (dead branches) are registered with
/// `acceptUnused`: they are shape-checked but not stored or computed.
public final class ParameterRegistry {
    /// Live parameters in registration order.
    public private(set) var parameters: [(name: String, tensor: Tensor)] = []
    /// Keys accepted but not computed, with their required shapes.
    public private(set) var unusedKeys: [String: [Int]] = [:]
    private var shapes: [String: [Int]] = [:]
    private var derivedWeightUpdates: [() -> Void] = []

    /// An empty registry.
    public init() {}

    /// Registers a live parameter under its checkpoint key; returns the tensor.
    @discardableResult
    public func register(_ name: String, _ tensor: Tensor) -> Tensor {
        precondition(shapes[name] == nil, "parameter \(name) registered twice")
        parameters.append((name, tensor))
        shapes[name] = tensor.shape
        return tensor
    }

    /// Registers a key that must be present with `shape` but is never used.
    public func acceptUnused(_ name: String, shape: [Int]) {
        precondition(shapes[name] == nil, "parameter \(name) registered twice")
        unusedKeys[name] = shape
        shapes[name] = shape
    }

    /// Registers work that recomputes values derived from parameters (e.g. Winograd-transformed
    /// conv weights); it runs after every `load` and on `parametersDidChange`.
    public func registerDerivedWeights(_ update: @escaping () -> Void) {
        derivedWeightUpdates.append(update)
    }

    /// Recomputes derived weights; call after writing parameter tensors directly.
    public func parametersDidChange() {
        for update in derivedWeightUpdates { update() }
    }

    /// Every expected key with its shape (live and unused).
    public var expectedShapes: [String: [Int]] { shapes }

    /// The number of live parameter values.
    public var liveParameterCount: Int { parameters.reduce(0) { $0 + $1.tensor.count } }

    /// Copies the tensors of `file` into the registered parameters.
    ///
    /// A `module.` prefix on every key (a DataParallel-wrapped model) is stripped. Throws one
    /// `.incompatible` error naming every missing, unexpected and mis-shaped key; nothing is
    /// copied unless the whole set matches.
    public func load(_ file: TensorFile, source: String? = nil) throws(NeuralError) {
        var tensors = file.tensors
        if !tensors.isEmpty, tensors.keys.allSatisfy({ $0.hasPrefix("module.") }) {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst(7)), $0.value) })
        }
        let missing = shapes.keys.filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { shapes[$0] == nil }.sorted()
        let misShaped = shapes.keys.sorted().compactMap { name -> String? in
            guard let stored = tensors[name], stored.shape != shapes[name]! else { return nil }
            return "\(name): expected \(Tensor.describe(shapes[name]!)), found \(Tensor.describe(stored.shape))"
        }
        if !missing.isEmpty || !unexpected.isEmpty || !misShaped.isEmpty {
            var lines = ["the weights do not match the model (\(shapes.count) keys expected, \(tensors.count) found)"]
            if !missing.isEmpty { lines.append("missing \(missing.count) keys: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { lines.append("unexpected \(unexpected.count) keys: " + unexpected.joined(separator: ", ")) }
            if !misShaped.isEmpty { lines.append("mis-shaped \(misShaped.count) keys: " + misShaped.joined(separator: "; ")) }
            throw NeuralError(.incompatible, lines.joined(separator: "\n  "), path: source)
        }
        for (name, tensor) in parameters {
            tensors[name]!.values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
        }
        parametersDidChange()
    }
}
