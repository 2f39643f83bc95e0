/// The one error type of the render module: configuring a renderer and drawing frames.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    /// The category of a `RenderError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case unavailable = "renderer unavailable"
            case incompatible = "incompatible input"
            case invalidArgument = "invalid argument"
            case pixels = "pixel access failed"
            case generator = "generator failed"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The renderer cannot run here (e.g. no neural weights configured, or a face model the
        /// generator was not trained for); the message says what is missing and what would work.
        public static let unavailable = Code(.unavailable)
        /// Motion and model (or frame) do not fit together: wrong expression dimension, unknown model.
        public static let incompatible = Code(.incompatible)
        /// A value passed by the caller is out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)
        /// The frame's pixels could not be reached (unsupported format, out of memory).
        public static let pixels = Code(.pixels)
        /// The neural generator failed (the message has the engine's reason).
        public static let generator = Code(.generator)

        /// A short name of the code.
        public var description: String { kind.rawValue }
    }

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
