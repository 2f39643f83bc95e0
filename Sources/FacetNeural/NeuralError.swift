import FacetErrors

/// The one error type of the neural engine: tensors, ops, weight loading.
public typealias NeuralError = FacetError<NeuralErrorDomain>

/// The domain of `NeuralError`: its codes are the static members of `ErrorCode<NeuralErrorDomain>`.
public enum NeuralErrorDomain: ErrorDomain {}
