import FacetErrors

/// The one error type of the neural engine: tensors, ops, weight loading.
public typealias NeuralError = FacetError<NeuralErrorDomain>

/// The domain of `NeuralError`: its codes are the static members of `ErrorCode<NeuralErrorDomain>`.
public enum NeuralErrorDomain: ErrorDomain {
    /// "neural engine".
    public static let name = "neural engine"
}

extension ErrorCode where Domain == NeuralErrorDomain {
    /// A weights or tensor file is missing.
    public static var fileNotFound: Self { Self("file not found") }

    /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
    public static var malformed: Self { Self("malformed file") }

    /// The pieces do not fit together (missing, unexpected or mis-shaped weights).
    public static var incompatible: Self { Self("incompatible weights") }

    /// A value passed by the caller is out of range or inconsistent.
    public static var invalidArgument: Self { Self("invalid argument") }

    /// A well-formed file uses a feature this reader does not implement (e.g. a compressed
    /// zip entry, an unknown pickle opcode, a storage type without a float conversion).
    public static var unsupported: Self { Self("unsupported format feature") }
}
