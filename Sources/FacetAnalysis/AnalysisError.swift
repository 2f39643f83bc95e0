/// The one error type of the face-analysis module: detection, landmarks, tracking, analysis.
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
    /// The category of a `AnalysisError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case fileNotFound = "file not found"
            case malformed = "malformed file"
            case incompatible = "incompatible input"
            case invalidArgument = "invalid argument"
            case io = "file error"
            case outOfMemory = "out of memory"
            case libraryFailure = "face library failure"
            case cancelled = "cancelled"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A landmark model or motion file is missing.
        public static let fileNotFound = Code(.fileNotFound)
        /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
        public static let malformed = Code(.malformed)
        /// The pieces do not fit together (e.g. a motion file for another video).
        public static let incompatible = Code(.incompatible)
        /// A value passed by the caller is out of range or inconsistent.
        public static let invalidArgument = Code(.invalidArgument)
        /// Memory ran out (detection on a huge image, a corrupt model asking for huge sizes).
        public static let outOfMemory = Code(.outOfMemory)
        /// dlib failed in a way the other codes do not describe (the message has its text).
        public static let libraryFailure = Code(.libraryFailure)

        /// A file could not be written.
        public static let io = Code(.io)
        /// The caller asked the analysis to stop.
        public static let cancelled = Code(.cancelled)

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
