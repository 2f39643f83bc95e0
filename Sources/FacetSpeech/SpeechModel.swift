import Foundation

/// Where the pocketsphinx US English model is: the acoustic model folder, the pronunciation
/// dictionary and the phone language model.
///
/// The usual layout is Debian's `pocketsphinx-en-us` package: a folder holding `en-us/` (the
/// acoustic model), `cmudict-en-us.dict` and `en-us-phone.lm.bin`. `locate(_:environment:)` finds
/// that folder: the folder given, else `$FACET_SPEECH_MODEL_DIR`, else
/// `/usr/share/pocketsphinx/model/en-us`.
public struct SpeechModel: Sendable, Equatable, CustomStringConvertible {
    /// The environment variable naming the model folder.
    public static let environmentVariable = "FACET_SPEECH_MODEL_DIR"
    /// Where Debian's `pocketsphinx-en-us` installs the model.
    public static let defaultDirectory = URL(fileURLWithPath: "/usr/share/pocketsphinx/model/en-us", isDirectory: true)

    /// The acoustic model folder (`mdef`, `means`, `variances`, `sendump`, …).
    public var acousticModel: URL
    /// The pronunciation dictionary (CMU format: `word PH1 PH2 …`, alternatives as `word(2)`).
    public var dictionary: URL
    /// The phone language model (for phone recognition).
    public var phoneLanguageModel: URL

    /// A model from its three parts; `locate` checks a folder of the usual layout instead.
    public init(acousticModel: URL, dictionary: URL, phoneLanguageModel: URL) {
        self.acousticModel = acousticModel
        self.dictionary = dictionary
        self.phoneLanguageModel = phoneLanguageModel
    }

    /// The model in `directory` if given, else in `$FACET_SPEECH_MODEL_DIR` if set, else in
    /// `/usr/share/pocketsphinx/model/en-us`; only the first of these that is given is tried.
    ///
    /// - Throws: `modelNotFound`, naming the folder, where its path came from and every file of
    ///   the layout that is missing there (or an acoustic model definition that is not one).
    public static func locate(
        _ directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SpeechError) -> SpeechModel {
        let folder: URL
        let source: String
        if let directory {
            (folder, source) = (directory, "the folder given")
        } else if let named = environment[environmentVariable], !named.isEmpty {
            (folder, source) = (URL(fileURLWithPath: named, isDirectory: true), "$\(environmentVariable)")
        } else {
            (folder, source) = (defaultDirectory, "the default; set $\(environmentVariable) to use another")
        }
        let model = SpeechModel(
            acousticModel: folder.appendingPathComponent("en-us", isDirectory: true),
            dictionary: folder.appendingPathComponent("cmudict-en-us.dict"),
            phoneLanguageModel: folder.appendingPathComponent("en-us-phone.lm.bin"))
        try model.validate(folder: folder, source: source)
        return model
    }

    /// Checks that every part is there, and that the acoustic model definition starts like one
    /// (pocketsphinx ends the process on a malformed one rather than failing).
    func validate(folder: URL? = nil, source: String? = nil) throws(SpeechError) {
        let files = FileManager.default
        let definition = acousticModel.appendingPathComponent("mdef")
        let required = [
            (definition, "the acoustic model definition"),
            (acousticModel.appendingPathComponent("means"), "the acoustic model's means"),
            (acousticModel.appendingPathComponent("variances"), "the acoustic model's variances"),
            (dictionary, "the pronunciation dictionary"),
            (phoneLanguageModel, "the phone language model"),
        ]
        let missing = required.filter { !files.isReadableFile(atPath: $0.0.path) }
        let place = folder.map { "in \($0.path) (\(source ?? "the folder given"))" } ?? "for the speech model"
        guard missing.isEmpty else {
            let list = missing.map { "\($0.1) \($0.0.path)" }.joined(separator: ", ")
            let hint =
                "install Debian's pocketsphinx-en-us or point $\(Self.environmentVariable) at a folder with en-us/, "
                + "cmudict-en-us.dict and en-us-phone.lm.bin"
            throw SpeechError(
                .modelNotFound, "no pocketsphinx model \(place): missing \(list); \(hint)",
                path: folder?.path ?? missing[0].0.path)
        }
        let head = (try? FileHandle(forReadingFrom: definition)).flatMap { handle -> Data? in
            defer { try? handle.close() }
            return try? handle.read(upToCount: 4)
        }
        let magic = head.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard magic == "BMDF" || magic.hasPrefix("0.3") else {
            throw SpeechError(
                .modelNotFound,
                "\(definition.path) is not a pocketsphinx acoustic model definition "
                    + "(expected a binary 'BMDF' or text '0.3' header)",
                path: definition.path)
        }
    }

    /// The three paths, for logs.
    public var description: String {
        "acoustic model \(acousticModel.path), dictionary \(dictionary.path), phone LM \(phoneLanguageModel.path)"
    }
}
