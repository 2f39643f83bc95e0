import FacetSDK

/// Where in a preset file or a command-line chain something was written.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file path, or `--chain` for the command-line chain.
    public var file: String
    /// 1-based line number (1 for a one-line chain).
    public var line: Int
    /// 1-based column, when known.
    public var column: Int?

    /// Creates a location.
    public init(file: String, line: Int, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column` (or `file:line`), the form editors jump to.
    public var description: String {
        column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
    }
}

/// The one error type of the host module: presets, chains, effect registry and pipeline.
public struct HostError: Error, Sendable, CustomStringConvertible {
    /// The category of a `HostError`; codes can grow without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case presetNotFound = "preset not found"
            case presetSyntax = "preset syntax error"
            case unsupportedFormat = "unsupported preset format"
            case unknownEffect = "unknown effect"
            case invalidParameter = "invalid parameter"
            case chainSyntax = "chain syntax error"
            case invalidArguments = "invalid arguments"
            case effectFailed = "effect failed"
            case media = "media error"
            case pluginFailed = "plugin failed to load"
            case cancelled = "cancelled"
            case analysisFailed = "face analysis failed"
            case renderer = "renderer unavailable"
            case io = "file error"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// No preset of that name in any search directory, or no file at that path.
        public static let presetNotFound = Code(.presetNotFound)
        /// A preset file that is not well-formed YAML/JSON or does not have the expected shape.
        public static let presetSyntax = Code(.presetSyntax)
        /// A preset whose `format` this Facet does not read.
        public static let unsupportedFormat = Code(.unsupportedFormat)
        /// An effect id or short name that no loaded effect has.
        public static let unknownEffect = Code(.unknownEffect)
        /// A parameter that is unknown, of the wrong type, out of range, or with bad keyframes.
        public static let invalidParameter = Code(.invalidParameter)
        /// A one-line `--chain` that does not parse.
        public static let chainSyntax = Code(.chainSyntax)
        /// Command arguments that contradict each other or the files (e.g. output equal to input).
        public static let invalidArguments = Code(.invalidArguments)
        /// An effect threw while processing motion.
        public static let effectFailed = Code(.effectFailed)
        /// Reading or writing media failed (the underlying `MediaError` says how).
        public static let media = Code(.media)
        /// A plugin library could not be loaded (not a plugin, wrong API version, bad descriptor).
        public static let pluginFailed = Code(.pluginFailed)
        /// The user interrupted the run; no output was left behind.
        public static let cancelled = Code(.cancelled)
        /// A file could not be read or written.
        public static let io = Code(.io)
        /// Face analysis could not run (a model missing or malformed) or failed on the input.
        public static let analysisFailed = Code(.analysisFailed)
        /// The renderer asked for cannot run (e.g. the neural renderer without weights).
        public static let renderer = Code(.renderer)

        /// A short name of the code.
        public var description: String { kind.rawValue }
    }

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String
    /// Where it was written, for preset and chain errors.
    public let location: SourceLocation?
    /// The underlying error's description, if any.
    public let underlying: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, at location: SourceLocation? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.underlying = underlying.map { String(describing: $0) }
    }

    /// `location: message (cause)`.
    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
