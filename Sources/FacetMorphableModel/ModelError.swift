import FacetErrors

/// The one error type of the morphable-model module: loading, converting and fitting 3DMMs.
public typealias ModelError = FacetError<ModelErrorDomain>

/// The domain of `ModelError`: its codes are the static members of `ErrorCode<ModelErrorDomain>`.
public enum ModelErrorDomain: ErrorDomain {}
