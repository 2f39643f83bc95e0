/// A transcript turned into the grammar that aligns it, and the decoded path turned back into
/// timed phones.
///
/// pocketsphinx 0.8 has no phone aligner in its public API, but its grammar (FSG) search aligns
/// whatever the grammar's words are. Here every word of the grammar is one phone: the grammar is
/// the transcript's exact phone sequence (each word's dictionary pronunciations as alternatives,
/// an optional pause between words), so the search's best path is a phone alignment. The phone
/// words come in two sets used by alternate transcript words (`facet0_dh`, `facet1_dh`), so a
/// change of set on the path marks the next word. A word the dictionary does not know becomes
/// "one or more of any phone" (up to a bound set by its spelling): recognition for that stretch,
/// held between its neighbours.
///
/// Measured on festival speech (Docs/Speech.md) this beats aligning words and splitting each
/// word's span among its phones: 0.89–0.91 mouth-class frame accuracy against 0.80–0.85, median
/// onset error 10 ms against 15–19 ms.
struct AlignmentGrammar {
    /// A transcript word and its pronunciations (none when the dictionary does not know it).
    struct Word: Equatable {
        /// The word as normalised (lower case).
        var text: String
        /// Each pronunciation's phones; empty when unknown.
        var pronunciations: [[Phone]]
    }

    /// The transcript's words in order.
    var words: [Word]

    /// The search's name in the decoder.
    static let searchName = "facet_alignment"
    /// The optional pause between words.
    static let silenceToken = "facet_sil"

    /// The phone word of `phone` in set `set` (0 or 1).
    static func token(_ phone: Phone, set: Int) -> String { "facet\(set)_\(phone.rawValue.lowercased())" }

    /// The words the alignment decoder's dictionary needs: both sets of phone words, and the pause.
    static var dictionaryEntries: [(word: String, phones: String)] {
        [0, 1].flatMap { set in Phone.speech.map { (token($0, set: set), $0.rawValue) } }
            + [(silenceToken, Phone.sil.rawValue)]
    }

    /// The plan for `words` (already normalised), each looked up with `lookup` (a word's dictionary
    /// pronunciations; empty when unknown).
    init(words: [String], lookup: (String) -> [[Phone]]) {
        self.words = words.map { Word(text: $0, pronunciations: lookup($0)) }
    }

    /// The words the dictionary did not know, in transcript order, each once.
    var unknownWords: [String] {
        var seen = Set<String>()
        return words.filter { $0.pronunciations.isEmpty && seen.insert($0.text).inserted }.map(\.text)
    }

    /// The JSGF grammar: optional pause, then each word (its pronunciations as alternatives, or any
    /// phones) followed by an optional pause.
    var jsgf: String {
        var body = "[ \(Self.silenceToken) ]"
        for (index, word) in words.enumerated() {
            let set = index % 2
            if word.pronunciations.isEmpty {
                // One to `maximumPhones(of:)` of any phone. (Not `( … )+`: pocketsphinx 0.8's
                // grammar search never reaches the end through a loop of more than ~28 one-phone
                // words, so the stretch is a chain of optional phones instead.)
                let any = Phone.speech.map { Self.token($0, set: set) }.joined(separator: " | ")
                body += " ( \(any) )" + String(repeating: " [ \(any) ]", count: Self.maximumPhones(of: word.text) - 1)
            } else {
                let alternatives = word.pronunciations.map { phones in
                    phones.map { Self.token($0, set: set) }.joined(separator: " ")
                }
                body += " ( " + alternatives.joined(separator: " | ") + " )"
            }
            body += " [ \(Self.silenceToken) ]"
        }
        return "#JSGF V1.0;\ngrammar facet;\npublic <utterance> = \(body);\n"
    }

    /// The most phones an unknown word may get: two more than its letters (English spelling rarely
    /// has fewer letters than phones), at least 3, at most 24.
    static func maximumPhones(of word: String) -> Int {
        min(max(word.filter(\.isLetter).count + 2, 3), 24)
    }

    /// The decoded path as phones (frames inclusive) with the index of the transcript word each
    /// belongs to (nil for pauses), and how many words it placed. A path that stops early (the
    /// search did not reach the grammar's end) places fewer than `words.count`.
    func place(_ segments: [DecodedSegment]) -> (phones: [FramedPhone], placedWords: Int) {
        var phones: [FramedPhone] = []
        var wordIndex = -1
        var currentSet = -1
        var phonesInWord = 0
        for segment in segments where segment.lastFrame >= segment.firstFrame {
            if segment.word == Self.silenceToken {
                phones.append(FramedPhone(phone: .sil, firstFrame: segment.firstFrame, lastFrame: segment.lastFrame))
                continue
            }
            guard let (set, phone) = Self.parse(segment.word) else { continue }  // null transitions
            if set != currentSet {
                wordIndex += 1
                currentSet = set
                phonesInWord = 0
            }
            guard wordIndex < words.count else { break }
            phonesInWord += 1
            phones.append(
                FramedPhone(phone: phone, firstFrame: segment.firstFrame, lastFrame: segment.lastFrame, wordIndex: wordIndex))
        }
        var placed = wordIndex + 1
        // The last word counts only when whole: as long as one of its pronunciations.
        if placed > 0, placed <= words.count {
            let last = words[placed - 1]
            if !last.pronunciations.isEmpty && !last.pronunciations.contains(where: { $0.count == phonesInWord }) {
                placed -= 1
            }
        }
        return (phones, min(placed, words.count))
    }

    /// The set and phone of a phone word, nil for any other word.
    private static func parse(_ word: String) -> (set: Int, phone: Phone)? {
        guard word.hasPrefix("facet"), word.count > 7 else { return nil }
        let characters = Array(word)
        guard characters[6] == "_", let set = Int(String(characters[5])), set == 0 || set == 1,
            let phone = Phone(rawValue: String(characters[7...]).uppercased())
        else { return nil }
        return (set, phone)
    }
}

/// A phone over decoder frames (inclusive), and the transcript word it belongs to.
struct FramedPhone: Equatable {
    /// The phone.
    var phone: Phone
    /// First 10 ms frame.
    var firstFrame: Int
    /// Last 10 ms frame, inclusive.
    var lastFrame: Int
    /// The index of its transcript word; nil for pauses and recognised phones.
    var wordIndex: Int? = nil
}
