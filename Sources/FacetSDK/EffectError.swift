@_exported import FacetErrors

/// The one error type of the effect SDK: a code that can grow, a message saying what was
/// expected and what came, and an optional underlying cause.
public typealias EffectError = FacetError<EffectErrorDomain>

/// The domain of `EffectError`: its codes are the static members of `ErrorCode<EffectErrorDomain>`.
public enum EffectErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == EffectErrorDomain {
    /// A parameter name the effect does not declare.
    public static var unknownParameter: Self { Self("unknown parameter") }

    /// A value of the wrong type or an unknown choice.
    public static var invalidParameter: Self { Self("invalid parameter") }

    /// A number outside the declared minimum/maximum, or a non-whole integer.
    public static var outOfRange: Self { Self("value out of range") }

    /// Keyframes that are empty, non-finite or not strictly increasing in time.
    public static var invalidKeyframes: Self { Self("invalid keyframes") }

    /// Motion the effect cannot work with (wrong expression dimension, unknown track…).
    public static var invalidMotion: Self { Self("invalid motion") }

    /// An input the effect declared (audio, driving motion) was not provided.
    public static var missingInput: Self { Self("missing input") }

    /// The effect failed while processing.
    public static var processingFailed: Self { Self("processing failed") }
}
