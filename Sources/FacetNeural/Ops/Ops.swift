// The namespace of the engine's ops.

/// The engine's ops: small functions that write their result into a preallocated output
/// (always the first argument) and never allocate.
///
/// Every op checks its shapes and throws a `NeuralError` naming the tensor, the expected and
/// the actual shape. The first comment line of each op is its shape contract. Unless stated,
/// an op's output must not alias its inputs; the element-wise ops allow `out === x`.
public enum Ops {}
