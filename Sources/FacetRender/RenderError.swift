import FacetErrors

/// The one error type of the render module: configuring a renderer and drawing frames.
public typealias RenderError = FacetError<RenderErrorDomain>

/// The domain of `RenderError`: its codes are the static members of `ErrorCode<RenderErrorDomain>`.
public enum RenderErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == RenderErrorDomain {
    /// The renderer cannot run here (e.g. no neural weights configured, or a face model the
    /// generator was not trained for); the message says what is missing and what would work.
    public static var unavailable: Self { Self("renderer unavailable") }

    /// The frame's pixels could not be reached (unsupported format, out of memory).
    public static var pixels: Self { Self("pixel access failed") }

    /// The neural generator failed (the message has the engine's reason).
    public static var generator: Self { Self("generator failed") }
}
