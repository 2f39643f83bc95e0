// Text that came from a file or an argument is shown to a person on a terminal: an escape
// sequence in a preset's summary must not retitle the window or clear the screen, a 100,000-
// character value must not fill it, and a name with a Cyrillic letter in it must say so.

/// Makes untrusted text safe and short enough to show on a terminal.
public enum DisplayText {
    /// `text` with every control character (C0 but tab and, when `keepingNewlines`, newline;
    /// DEL; C1) and every bidirectional-override character written as `\u{XX}`, so nothing in
    /// it is interpreted by the terminal.
    public static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0, keepingNewlines: keepingNewlines) }) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar, keepingNewlines: keepingNewlines) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `text` escaped, shortened to `limit` characters with an ellipsis and its full length
    /// when longer, in single quotes (or `quote`): `'1111…' (100000 characters)`.
    public static func quoted(_ text: String, limit: Int = 60, quote: String = "'") -> String {
        let count = text.count
        if count <= limit { return quote + escaped(text) + quote }
        return quote + escaped(String(text.prefix(max(limit, 1)))) + "…\(quote) (\(count) characters)"
    }

    /// `text` escaped and, beyond `limit` characters, shortened with its full length; no quotes.
    public static func shortened(_ text: String, limit: Int = 200) -> String {
        let count = text.count
        if count <= limit { return escaped(text) }
        return escaped(String(text.prefix(max(limit, 1)))) + "… (\(count) characters)"
    }

    /// When `name` is one of `candidates` but for letters that only look like ASCII ones
    /// (Cyrillic, Greek, full-width forms, a non-breaking hyphen …): "did you mean
    /// `direct-edit`? (it contains U+0456)". Nil when there is no such candidate.
    public static func lookAlikeHint(for name: String, candidates: [String]) -> String? {
        let foreign = name.unicodeScalars.filter { !$0.isASCII }
        guard !foreign.isEmpty else { return nil }
        let folded = String(String.UnicodeScalarView(name.unicodeScalars.map { asciiLookAlike($0) ?? $0 }))
        guard candidates.contains(where: { $0 == folded || $0.split(separator: ".").last.map(String.init) == folded })
        else { return nil }
        let codes = foreign.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4) }
        var unique: [String] = []
        for code in codes where !unique.contains(code) { unique.append(code) }
        return
            "did you mean `\(folded)`? (it contains \(unique.joined(separator: ", ")), not the ASCII letter\(foreign.count == 1 ? "" : "s") it looks like)"
    }

    // MARK: - Helpers

    private static func isUnsafe(_ scalar: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x09: return false
        case 0x0A: return !keepingNewlines
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true  // bidi marks and overrides
        default: return false
        }
    }

    /// The ASCII character a non-ASCII scalar is commonly mistaken for.
    private static func asciiLookAlike(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let value = scalar.value
        if (0xFF01...0xFF5E).contains(value) { return Unicode.Scalar(value - 0xFF01 + 0x21) }  // full-width forms
        let table: [UInt32: Character] = [
            // Cyrillic
            0x0430: "a", 0x0435: "e", 0x043E: "o", 0x0440: "p", 0x0441: "c", 0x0443: "y", 0x0445: "x",
            0x0456: "i", 0x0458: "j", 0x0455: "s", 0x0501: "d", 0x04BB: "h", 0x0442: "t", 0x043A: "k",
            0x043C: "m", 0x0432: "b", 0x043D: "h", 0x0433: "r",
            // Greek
            0x03BF: "o", 0x03B1: "a", 0x03B5: "e", 0x03B9: "i", 0x03BA: "k", 0x03BD: "v", 0x03C1: "p",
            0x03C4: "t", 0x03C5: "u", 0x03C7: "x",
            // dashes and dots
            0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2212: "-", 0x00AD: "-",
            0x2024: ".", 0xFF0E: ".",
        ]
        return table[value].flatMap { $0.unicodeScalars.first }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
