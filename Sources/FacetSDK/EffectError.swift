/// The one error type of the effect SDK: a code that can grow, a message saying what was
/// expected and what came, and an optional underlying cause.
public struct EffectError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The category of an `EffectError`; new codes may be added in later SDK versions.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case unknownParameter = "unknown parameter"
            case invalidParameter = "invalid parameter"
            case outOfRange = "value out of range"
            case invalidKeyframes = "invalid keyframes"
            case invalidMotion = "invalid motion"
            case missingInput = "missing input"
            case unsupported = "unsupported"
            case processingFailed = "processing failed"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A parameter name the effect does not declare.
        public static let unknownParameter = Code(.unknownParameter)
        /// A value of the wrong type or an unknown choice.
        public static let invalidParameter = Code(.invalidParameter)
        /// A number outside the declared minimum/maximum, or a non-whole integer.
        public static let outOfRange = Code(.outOfRange)
        /// Keyframes that are empty, non-finite or not strictly increasing in time.
        public static let invalidKeyframes = Code(.invalidKeyframes)
        /// Motion the effect cannot work with (wrong expression dimension, unknown track…).
        public static let invalidMotion = Code(.invalidMotion)
        /// An input the effect declared (audio, driving motion) was not provided.
        public static let missingInput = Code(.missingInput)
        /// A request the effect does not support.
        public static let unsupported = Code(.unsupported)
        /// The effect failed while processing.
        public static let processingFailed = Code(.processingFailed)

        /// A short name of the code.
        public var description: String { kind.rawValue }
    }

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String
    /// A description of the underlying cause, if any.
    public let underlying: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying.map { String(describing: $0) }
    }

    /// The message, followed by the underlying cause when there is one.
    public var description: String {
        underlying.map { "\(message) (\($0))" } ?? message
    }
}
