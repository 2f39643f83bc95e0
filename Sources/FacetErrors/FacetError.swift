import Foundation

// One error shape for every Facet module.
//
// Each module declares its error as `FacetError<ItsDomain>` under a name of its own
// (`MediaError`, `HostError`, `EffectError`, …) and its codes as static members of
// `ErrorCode<ItsDomain>`. Every error carries what was wrong (`message`), where it applies
// (`path` or `location`), the error that caused it as a value (`cause`), and where it was
// thrown (`origin`). A boundary between modules wraps the lower error as the cause of its own,
// never as text: `description` walks the chain when it is shown.

/// The marker of a module's errors: `FacetError<ItsDomain>` is the module's error type, and the
/// module's own codes are the static members of `ErrorCode<ItsDomain>` it declares.
public protocol ErrorDomain: Sendable {}

/// The category of an error of `Domain`. A module declares its codes as static members in an
/// extension (`extension ErrorCode where Domain == MediaErrorDomain { … }`), so codes can grow
/// without breaking callers that compare them.
public struct ErrorCode<Domain: ErrorDomain>: Hashable, Sendable, CustomStringConvertible {
    /// A short name of the code, e.g. "file not found".
    public let name: String

    /// Creates a code called `name`.
    public init(_ name: String) { self.name = name }

    /// The code's name.
    public var description: String { name }
}

// MARK: - Codes every domain has

extension ErrorCode {
    /// A file that was named does not exist (a model, weights, a motion file, an input).
    public static var fileNotFound: Self { Self("file not found") }

    /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
    public static var malformed: Self { Self("malformed file") }

    /// The pieces do not fit together (motion for another video, weights for another model).
    public static var incompatible: Self { Self("incompatible input") }

    /// A value passed by the caller is out of range or inconsistent.
    public static var invalidArgument: Self { Self("invalid argument") }

    /// Reading or writing bytes failed.
    public static var io: Self { Self("I/O error") }

    /// The caller asked the work to stop; nothing was left behind.
    public static var cancelled: Self { Self("cancelled") }

    /// A format, codec, feature or request this build does not support.
    public static var unsupported: Self { Self("unsupported") }
}

/// Where in a text file (a preset, a command-line chain, a motion file) something was written.
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

/// The place in Facet's source where an error was made: for bug reports, not for users.
public struct ErrorOrigin: Sendable, Equatable, CustomStringConvertible {
    /// `Module/File.swift`.
    public let fileID: String
    /// The line of the initialiser call.
    public let line: Int

    /// Creates an origin.
    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }

    /// `Module/File.swift:line`.
    public var description: String { "\(fileID):\(line)" }
}

/// What every Facet error offers, whatever its domain: lets code that handles errors of any
/// module (the CLI, a batch runner) walk a chain of causes without knowing each type.
public protocol ChainedError: Error, CustomStringConvertible {
    /// The domain's name of the error's code, e.g. "file not found".
    var codeName: String { get }
    /// What was wrong and what was expected, without the cause.
    var message: String { get }
    /// Where it applies: a location in a file, else the file's path; nil when neither.
    var subject: String? { get }
    /// The error that caused this one, if any.
    var cause: (any Error)? { get }
    /// Where in Facet's source the error was made.
    var origin: ErrorOrigin { get }
}

/// A module's error: a code of its domain, a message, where it applies, its cause and its origin.
public struct FacetError<Domain: ErrorDomain>: ChainedError, Sendable {
    /// The category of the error; its codes are declared by the domain's module.
    public typealias Code = ErrorCode<Domain>

    /// The error's category.
    public let code: Code
    /// What was wrong and what was expected.
    public let message: String
    /// The file concerned, if any.
    public let path: String?
    /// Where in a text file it was written (presets, chains), if known.
    public let location: SourceLocation?
    /// The error that caused this one, kept as a value.
    public let cause: (any Error)?
    /// Where in Facet's source the error was made.
    public let origin: ErrorOrigin

    /// Creates an error. `cause` is the lower error this one wraps (never its text).
    public init(
        _ code: Code, _ message: String, path: String? = nil, at location: SourceLocation? = nil,
        cause: (any Error)? = nil, fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.location = location
        self.cause = cause
        self.origin = ErrorOrigin(fileID: fileID, line: line)
    }

    /// An error of this domain that adds only its code to `cause`: its text is the cause's. For a
    /// boundary where the lower error already says everything a user needs.
    public init(_ code: Code, wrapping cause: any Error, fileID: String = #fileID, line: Int = #line) {
        self.init(code, "", cause: cause, fileID: fileID, line: line)
    }

    /// The same error with `path` set, when it had none.
    public func at(_ path: String?) -> FacetError {
        FacetError(
            code, message, path: self.path ?? path, at: location, cause: cause,
            fileID: origin.fileID, line: origin.line)
    }

    /// The domain's name of `code`.
    public var codeName: String { code.name }

    /// The location, else the path; nil when the message already names the path.
    public var subject: String? {
        if let location { return location.description }
        guard let path, !message.contains(path) else { return nil }
        return path
    }

    /// `subject: message: cause: cause's cause…`, one line (see `ErrorChain`).
    public var description: String { ErrorChain.describe(self) }
}

extension FacetError: Equatable {
    /// Errors are equal when code, message, place and the cause's description are.
    public static func == (lhs: FacetError, rhs: FacetError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.path == rhs.path
            && lhs.location == rhs.location
            && lhs.cause.map(ErrorChain.describe) == rhs.cause.map(ErrorChain.describe)
    }
}

/// Shows and walks chains of causes.
public enum ErrorChain {
    /// `error` and every cause below it, outermost first.
    public static func links(of error: any Error) -> [any Error] {
        var links: [any Error] = [error]
        var current = error
        while let chained = current as? any ChainedError, let cause = chained.cause, links.count < 32 {
            links.append(cause)
            current = cause
        }
        return links
    }

    /// One line: each link's own text, joined by ": " outermost first. A link whose text the
    /// link above already contains is not repeated.
    public static func describe(_ error: any Error) -> String {
        var text = ""
        for link in links(of: error) {
            let own = ownText(of: link)
            if own.isEmpty {
                continue
            } else if text.isEmpty {
                text = own
            } else if !text.contains(own) {
                text += ": " + own
            }
        }
        return text
    }

    /// A link's own text, without its cause: `subject: message` for Facet errors, the clearest
    /// text the type offers for others (Foundation's localized description for Cocoa errors,
    /// the coding path and debug description for decoding errors).
    public static func ownText(of error: any Error) -> String {
        switch error {
        case let chained as any ChainedError:
            guard !chained.message.isEmpty else { return chained.subject ?? "" }
            return chained.subject.map { "\($0): \(chained.message)" } ?? chained.message
        case let decoding as DecodingError:
            return describe(decoding)
        case let encoding as EncodingError:
            if case .invalidValue(_, let context) = encoding { return context.debugDescription }
            return encoding.localizedDescription
        case is CocoaError, is POSIXError:
            return (error as NSError).localizedDescription
        case let custom as any CustomStringConvertible:
            // An NSError's own description is its debug dump; its localized text reads better.
            let text = custom.description
            return text.hasPrefix("Error Domain=") ? (error as NSError).localizedDescription : text
        default:
            return String(describing: error)
        }
    }

    /// What a decoder missed and where in the document: `missing "x" at tracks[0].frames`.
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(codingPath(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(codingPath(context.codingPath))"
        case .valueNotFound(let type, let context):
            return "expected \(type) at \(codingPath(context.codingPath)), found null"
        case .dataCorrupted(let context):
            let place = context.codingPath.isEmpty ? "" : " at \(codingPath(context.codingPath))"
            let underlying = context.underlyingError.map { ": " + describe($0) } ?? ""
            return context.debugDescription + place + underlying
        @unknown default:
            return error.localizedDescription
        }
    }

    /// `tracks[0].frames`, or "the top level".
    private static func codingPath(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "the top level" }
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }
}
