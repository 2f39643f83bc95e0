/// The one error type of the neural engine: tensors, ops, weight loading.
public struct NeuralError: Error, Sendable, CustomStringConvertible {
    /// The category of a `NeuralError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case fileNotFound = "file not found"
            case malformed = "malformed file"
            case incompatible = "incompatible weights"
            case invalidArgument = "invalid argument"
            case unsupported = "unsupported format feature"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A weights or tensor file is missing.
        public static let fileNotFound = Code(.fileNotFound)
        /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
        public static let malformed = Code(.malformed)
        /// The pieces do not fit together (missing, unexpected or mis-shaped weights).
        public static let incompatible = Code(.incompatible)
        /// A value passed by the caller is out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)
        /// A well-formed file uses a feature this reader does not implement (e.g. a compressed
        /// zip entry, an unknown pickle opcode, a storage type without a float conversion).
        public static let unsupported = Code(.unsupported)

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
