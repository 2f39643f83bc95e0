import FacetErrors

/// The one error type of the render module: configuring a renderer and drawing frames.
public typealias RenderError = FacetError<RenderErrorDomain>

/// The domain of `RenderError`: its codes are the static members of `ErrorCode<RenderErrorDomain>`.
public enum RenderErrorDomain: ErrorDomain {
    /// "rendering".
    public static let name = "rendering"
}

extension ErrorCode where Domain == RenderErrorDomain {
    /// The renderer cannot run here (e.g. no neural weights configured, or a face model the
    /// generator was not trained for); the message says what is missing and what would work.
    public static var unavailable: Self { Self("renderer unavailable") }

    /// Motion and model (or frame) do not fit together: wrong expression dimension, unknown model.
    public static var incompatible: Self { Self("incompatible input") }

    /// A value passed by the caller is out of range or inconsistent.
    public static var invalidArgument: Self { Self("invalid argument") }

    /// The frame's pixels could not be reached (unsupported format, out of memory).
    public static var pixels: Self { Self("pixel access failed") }

    /// The neural generator failed (the message has the engine's reason).
    public static var generator: Self { Self("generator failed") }
}
