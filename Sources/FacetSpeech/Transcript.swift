import Foundation

/// A plain-text transcript split into the words a pronunciation dictionary lists.
enum Transcript {
    /// The words of `text`: lower case; split at anything but letters, digits, apostrophes and
    /// hyphens; typographic apostrophes made plain; apostrophes and hyphens trimmed from the ends.
    /// "It's a well-known fact." gives ["it's", "a", "well-known", "fact"].
    static func tokens(of text: String) -> [String] {
        let plain = text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
            .replacingOccurrences(of: "\u{2018}", with: "'")
        let pieces = plain.split { character in
            !(character.isLetter || character.isNumber || character == "'" || character == "-")
        }
        return pieces.map { $0.trimmingCharacters(in: ["'", "-"]) }.filter { !$0.isEmpty }
    }

    /// `tokens(of:)`, with each hyphenated word the dictionary does not know (`known` is false)
    /// split into its parts: "sun-baked" is two words unless the dictionary lists it.
    static func words(of text: String, known: (String) -> Bool) -> [String] {
        tokens(of: text).flatMap { token -> [String] in
            guard token.contains("-"), !known(token) else { return [token] }
            return token.split(separator: "-").map(String.init).filter { !$0.isEmpty }
        }
    }
}
