import FacetErrors
import FacetMedia

/// The one error type of the host module: presets, chains, effect registry and pipeline.
public typealias HostError = FacetError<HostErrorDomain>

/// The domain of `HostError`: its codes are the static members of `ErrorCode<HostErrorDomain>`.
public enum HostErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == HostErrorDomain {
    /// No preset of that name in any search directory, or no file at that path.
    public static var presetNotFound: Self { Self("preset not found") }

    /// A preset file that is not well-formed YAML/JSON or does not have the expected shape.
    public static var presetSyntax: Self { Self("preset syntax error") }

    /// A preset whose `format` this Facet does not read.
    public static var unsupportedFormat: Self { Self("unsupported preset format") }

    /// An effect id or short name that no loaded effect has.
    public static var unknownEffect: Self { Self("unknown effect") }

    /// A parameter that is unknown, of the wrong type, out of range, or with bad keyframes.
    public static var invalidParameter: Self { Self("invalid parameter") }

    /// A one-line `--chain` that does not parse.
    public static var chainSyntax: Self { Self("chain syntax error") }

    /// Command arguments that contradict each other or the files (e.g. output equal to input).
    public static var invalidArguments: Self { Self("invalid arguments") }

    /// An effect threw while processing motion.
    public static var effectFailed: Self { Self("effect failed") }

    /// Reading or writing media failed (the underlying `MediaError` says how).
    public static var media: Self { Self("media error") }

    /// A plugin library could not be loaded (not a plugin, wrong API version, bad descriptor).
    public static var pluginFailed: Self { Self("plugin failed to load") }

    /// Face analysis could not run (a model missing or malformed) or failed on the input.
    public static var analysisFailed: Self { Self("face analysis failed") }

    /// The renderer asked for cannot run (e.g. the neural renderer without weights).
    public static var renderer: Self { Self("renderer unavailable") }

    /// Speech analysis of an effect's audio failed (the `SpeechError` cause says how), or its
    /// transcript file could not be read.
    public static var speechFailed: Self { Self("speech analysis failed") }
}

/// Where in a preset file or a command-line chain something was written (the shared error shape's
/// location, named here for the host's callers).
public typealias SourceLocation = FacetErrors.SourceLocation

extension FacetError where Domain == HostErrorDomain {
    /// Runs `body` at a boundary into the host: a `HostError` passes through, a `MediaError`
    /// becomes a `.media` error wrapping it, any other error a `code` error wrapping it (with
    /// `message` when it adds something, e.g. "could not decode in.mp4"). The cause is kept.
    static func catching<T>(
        _ code: Code, _ message: @autoclosure () -> String? = nil,
        _ body: () throws -> T
    ) throws(HostError) -> T {
        do {
            return try body()
        } catch let error as HostError {
            throw error
        } catch let error as MediaError {
            throw HostError(.media, wrapping: error)
        } catch {
            guard let message = message() else { throw HostError(code, wrapping: error) }
            throw HostError(code, message, cause: error)
        }
    }
}
