// The engine's tensor: a float32 buffer with a fixed shape, allocated once and written in place.

/// A dense float32 tensor in row-major order (NCHW for images, NCL for sequences), owning one
/// buffer that is allocated at creation and never resized.
///
/// Tensors are the run-state of a memory plan: a model creates every tensor it needs once per
/// input size, and its forward pass only writes into them. Ops take their output first and
/// never allocate.
public final class Tensor {
    /// Dimensions, outermost first (e.g. `[N, C, H, W]`).
    public let shape: [Int]
    /// The number of elements: the product of `shape`.
    public let count: Int
    /// The first element; `count` floats are valid.
    public let data: UnsafeMutablePointer<Float>
    /// The tensor whose memory this view borrows (nil when this tensor owns its buffer).
    private let base: Tensor?

    /// A zero-filled tensor of the given shape.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        data = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        data.initialize(repeating: 0, count: Swift.max(count, 1))
        base = nil
    }

    /// A view of the first elements of `base`'s memory with another shape (for reusing one
    /// buffer for several short-lived values in a memory plan). Writes go to `base`.
    public init(viewing base: Tensor, shape: [Int]) throws(NeuralError) {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count <= base.count else {
            throw NeuralError(
                .invalidArgument, "a view of shape \(Tensor.describe(shape)) needs \(count) floats; the buffer holds \(base.count)")
        }
        self.shape = shape
        self.count = count
        data = base.data
        self.base = base
    }

    /// A tensor holding a copy of `values` (row-major); throws when the count does not match.
    public convenience init(shape: [Int], values: [Float]) throws(NeuralError) {
        let expected = shape.reduce(1, *)
        guard values.count == expected else {
            throw NeuralError(.invalidArgument, "a tensor of shape \(Tensor.describe(shape)) needs \(expected) values; got \(values.count)")
        }
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: expected) }
    }

    /// A tensor holding a stored tensor's shape and values.
    public convenience init(_ stored: StoredTensor) {
        self.init(shape: stored.shape)
        stored.values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { if base == nil { data.deallocate() } }

    /// Whether this tensor borrows another tensor's memory.
    public var isView: Bool { base != nil }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// A copy of the values in row-major order.
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The values as a `StoredTensor` (for writing to a file).
    public var stored: StoredTensor { StoredTensor(shape: shape, values: values) }

    /// The values as a mutable buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    /// Copies `source`'s values in; the shapes must be equal.
    public func copy(from source: Tensor) throws(NeuralError) {
        try requireShape(source.shape, of: "copy source")
        data.update(from: source.data, count: count)
    }

    /// Copies `values` in; the count must equal `count`.
    public func copy(from values: [Float]) throws(NeuralError) {
        guard values.count == count else {
            throw NeuralError(.invalidArgument, "expected \(count) values for shape \(Tensor.describe(shape)); got \(values.count)")
        }
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Throws unless this tensor's shape is `expected`; `role` names it in the message.
    public func requireShape(_ expected: [Int], of role: String) throws(NeuralError) {
        guard shape == expected else {
            throw NeuralError(.invalidArgument, "\(role) must be \(Tensor.describe(expected)); got \(Tensor.describe(shape))")
        }
    }

    /// Throws unless this tensor has `rank` dimensions; `role` names it in the message.
    public func requireRank(_ rank: Int, of role: String, layout: String) throws(NeuralError) {
        guard shape.count == rank else {
            throw NeuralError(.invalidArgument, "\(role) must be \(layout) (rank \(rank)); got \(Tensor.describe(shape))")
        }
    }

    /// `(1,3,64,64)`.
    public static func describe(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ",") + ")"
    }
}

/// Scratch memory shared by the ops of one model (im2col columns, transposed-conv columns,
/// ADAIN hidden vectors): one buffer reserved once for the worst case of a memory plan.
public final class ScratchBuffer {
    /// The number of floats available.
    public let capacity: Int
    /// The first float.
    public let data: UnsafeMutablePointer<Float>

    /// Reserves `capacity` floats (at least one).
    public init(capacity: Int) {
        self.capacity = Swift.max(capacity, 1)
        data = UnsafeMutablePointer<Float>.allocate(capacity: self.capacity)
        data.initialize(repeating: 0, count: self.capacity)
    }

    deinit { data.deallocate() }

    /// Throws unless at least `needed` floats are available; `role` names the user.
    func require(_ needed: Int, for role: String) throws(NeuralError) {
        guard needed <= capacity else {
            throw NeuralError(.invalidArgument, "\(role) needs \(needed) scratch floats; the plan reserved \(capacity)")
        }
    }
}
