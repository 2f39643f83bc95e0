import FacetErrors

/// The one error type of the morphable-model module: loading, converting and fitting 3DMMs.
public typealias ModelError = FacetError<ModelErrorDomain>

/// The domain of `ModelError`: its codes are the static members of `ErrorCode<ModelErrorDomain>`.
public enum ModelErrorDomain: ErrorDomain {
    /// "face model".
    public static let name = "face model"
}

extension ErrorCode where Domain == ModelErrorDomain {
    /// A model, mapping or companion file is missing.
    public static var fileNotFound: Self { Self("model file not found") }

    /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
    public static var malformed: Self { Self("malformed model file") }

    /// The pieces do not fit together (e.g. a landmark map that does not cover the 68 points).
    public static var incompatible: Self { Self("incompatible model") }

    /// A value passed by the caller is out of range or inconsistent.
    public static var invalidArgument: Self { Self("invalid argument") }
}
