/// The one error type of the morphable-model module: loading, converting and fitting 3DMMs.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    /// The category of a `ModelError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case fileNotFound = "model file not found"
            case malformed = "malformed model file"
            case incompatible = "incompatible model"
            case invalidArgument = "invalid argument"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A model, mapping or companion file is missing.
        public static let fileNotFound = Code(.fileNotFound)
        /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
        public static let malformed = Code(.malformed)
        /// The pieces do not fit together (e.g. a landmark map that does not cover the 68 points).
        public static let incompatible = Code(.incompatible)
        /// A value passed by the caller is out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)

        /// A short name of the code.
        public var description: String { kind.rawValue }
    }

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String
    /// The file concerned, if any.
    public let path: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `path: message`, or just the message when it has no path or already names it.
    public var description: String {
        guard let path, !message.contains(path) else { return message }
        return "\(path): \(message)"
    }
}
