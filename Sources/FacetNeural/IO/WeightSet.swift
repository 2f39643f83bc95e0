/// A named float32 tensor as stored in a weights or tensor file: shape plus values in row-major
/// (C) order, e.g. a conv2d weight `(out, in, kh, kw)`.
public struct StoredTensor: Sendable, Equatable {
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values in row-major order.
    public var values: [Float]

    /// Creates a tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "StoredTensor: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// The number of elements.
    public var count: Int { values.count }
}

/// Tensors by name (checkpoint keys verbatim, e.g. `mapping_net.first.0.weight`) plus the file's
/// string metadata (safetensors `__metadata__`; empty for PyTorch checkpoints).
public struct TensorFile: Sendable {
    /// The tensors by name.
    public var tensors: [String: StoredTensor]
    /// String metadata (e.g. the generator's hyper-parameters as JSON under `config`).
    public var metadata: [String: String]

    /// Creates a set.
    public init(tensors: [String: StoredTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}
