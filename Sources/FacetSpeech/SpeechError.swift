import FacetErrors

/// The one error type of the speech module: locating the model, loading decoders, checking audio.
///
/// `message` says what was wrong and what was expected; `path` is the file or folder concerned;
/// `cause` is pocketsphinx's own complaint (`PocketSphinxLog`), when it made one.
public typealias SpeechError = FacetError<SpeechErrorDomain>

/// The domain of `SpeechError`: its codes are the static members of `ErrorCode<SpeechErrorDomain>`.
public enum SpeechErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == SpeechErrorDomain {
    /// No usable speech model: the folder or one of its files (acoustic model, dictionary, phone
    /// language model) is missing. The message names every path that was tried.
    public static var modelNotFound: Self { Self("speech model not found") }

    /// The audio is not what the analyser takes: not 16 kHz, empty, or holding NaN or infinity.
    public static var unsupportedAudio: Self { Self("unsupported audio") }

    /// pocketsphinx refused its configuration, the model, a word or the alignment grammar.
    public static var decoderFailed: Self { Self("speech decoder failed") }
}
