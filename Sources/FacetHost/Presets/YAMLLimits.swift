// Yams composes documents recursively: a few thousand nested `[` (10 KB) overflow the stack
// and kill the process, so a bad file in a preset directory used to break `facet presets list`
// for good. The document is measured first, without recursion, and refused with its line and
// column when it is larger or deeper than any preset or configuration file needs.

/// Size and nesting limits checked on YAML text before it is parsed.
public struct YAMLLimits: Sendable, Equatable {
    /// The largest document, in bytes. Default 1 MB (a preset is a few hundred bytes).
    public var maximumBytes = 1_000_000
    /// The deepest nesting of collections (block indentation levels, `- ` entries and flow
    /// brackets together). Default 64 (a preset needs 5).
    public var maximumDepth = 64

    /// The defaults.
    public init() {}

    /// The limits presets and configuration files are read with.
    public static let standard = YAMLLimits()

    /// Where a document first breaks a limit, or nil when it is within both.
    public struct Violation: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line and column where the limit was passed.
        public var line: Int
        public var column: Int
        /// What is wrong and what was expected.
        public var message: String

        public var description: String { message }
    }

    /// Measures `text` in one pass (no recursion, so no document can exhaust the stack).
    ///
    /// The depth is an upper bound of what the parser will build: each block indentation level
    /// and each `- ` or `? ` entry marker opening a line counts one, and flow brackets outside
    /// quotes and comments count one each while open. Block scalars (`|`, `>`) are skipped.
    // Stays whole: one pass over the document's bytes whose state (open indentation levels, flow
    // depth, a block scalar being skipped, the line and column) every branch reads and changes;
    // split into functions, that state would have to travel through every call.
    public func violation(in text: String) -> Violation? {
        let bytes = Array(text.utf8)
        if bytes.count > maximumBytes {
            return Violation(
                line: 1, column: 1,
                message: "the document is \(bytes.count) bytes; expected at most \(maximumBytes) (\(maximumBytes / 1_000_000) MB)")
        }
        var indents: [Int] = []  // block indentation levels open above this line
        var flowDepth = 0
        var blockScalarParent: Int?  // skipping a block scalar's lines indented deeper than this
        var lineNumber = 0
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            defer { start = end + 1 }
            var indent = 0
            while start + indent < end && bytes[start + indent] == UInt8(ascii: " ") { indent += 1 }
            let blank =
                start + indent >= end || bytes[start + indent] == UInt8(ascii: "#")
                || bytes[start + indent] == UInt8(ascii: "\r")
            if let parent = blockScalarParent {
                if blank || indent > parent { continue }
                blockScalarParent = nil
            }
            if blank { continue }
            if flowDepth == 0 {
                while let last = indents.last, last >= indent { indents.removeLast() }
                indents.append(indent)
            }
            var depth = indents.count + flowDepth
            var index = start + indent
            // `- - - x` and `? ` open one collection each.
            while index + 1 < end, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "?"),
                bytes[index + 1] == UInt8(ascii: " ")
            {
                depth += 1
                index += 2
                while index < end && bytes[index] == UInt8(ascii: " ") { index += 1 }
                if depth > maximumDepth { return tooDeep(lineNumber, index - start + 1) }
            }
            if depth > maximumDepth { return tooDeep(lineNumber, index - start + 1) }
            var quote: UInt8?
            var lastSignificant: UInt8 = 0
            var beforeLast: UInt8 = 0
            while index < end {
                let byte = bytes[index]
                if let open = quote {
                    if byte == UInt8(ascii: "\\") && open == UInt8(ascii: "\"") { index += 2; continue }
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    let previous = index > start ? bytes[index - 1] : UInt8(ascii: " ")
                    // A quote opens a scalar only at its start, not inside a plain scalar (it's).
                    if previous == UInt8(ascii: " ") || previous == UInt8(ascii: "[") || previous == UInt8(ascii: "{")
                        || previous == UInt8(ascii: ",") || previous == UInt8(ascii: ":") || index == start + indent
                    {
                        quote = byte
                    }
                } else if byte == UInt8(ascii: "#"), index == start || bytes[index - 1] == UInt8(ascii: " ") {
                    break  // a comment runs to the end of the line
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    flowDepth += 1
                    if indents.count + flowDepth > maximumDepth { return tooDeep(lineNumber, index - start + 1) }
                } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    flowDepth = max(0, flowDepth - 1)
                }
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\r") {
                    beforeLast = lastSignificant
                    lastSignificant = byte
                }
                index += 1
            }
            // `key: |`, `key: >-` and the like: the lines indented below are text.
            let indicators: Set<UInt8> = [UInt8(ascii: "|"), UInt8(ascii: ">")]
            let chomping: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "+")]
            if quote == nil, flowDepth == 0,
                indicators.contains(lastSignificant) || (chomping.contains(lastSignificant) && indicators.contains(beforeLast))
            {
                blockScalarParent = indent
            }
        }
        return nil
    }

    private func tooDeep(_ line: Int, _ column: Int) -> Violation {
        Violation(
            line: line, column: column,
            message:
                "collections are nested more than \(maximumDepth) deep here; expected a shallower document (a preset needs about 5 levels)")
    }
}
