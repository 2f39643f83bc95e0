// The one-line chain syntax of `--chain`:
//
//     direct-edit:yaw=0@0,15@1~ease-in-out,0@2.5:pitch=5 | direct-edit@^0.1:roll=-3
//
// chain  := effect ( "|" effect )*          (blank text: the empty, pass-through chain)
// effect := name [ "@" requirement ] ( ":" key "=" value )*
// value  := number | true | false | word | keyframe ( "," keyframe )* | "quoted text"
// keyframe := value "@" time [ "~" easing ]
//
// Whitespace around tokens is ignored. Values containing `:`, `|`, `,`, `=`, quotes or spaces
// are written in double quotes (`faces="id:3"`; `\"` and `\\` inside) or single quotes (no
// escapes). Errors point at the offending token as `--chain:1:column`.

import FacetSDK

/// Parses the one-line chain syntax.
public enum ChainParser {
    /// The file name chain errors are reported under.
    public static let sourceName = "--chain"

    /// Parses and validates a chain; errors carry `SourceLocation(file: "--chain", line: 1, column:)`.
    public static func parse(_ text: String, registry: EffectRegistry) throws(HostError) -> EffectChain {
        let characters = Array(text)
        guard characters.contains(where: { !$0.isWhitespace }) else { return .empty }
        var invocations: [EffectInvocation] = []
        let segments = try split(characters, 0..<characters.count, at: "|")
        for (index, segment) in segments.enumerated() {
            let trimmedSegment = trim(characters, segment)
            if trimmedSegment.isEmpty {
                let problem = index == segments.count - 1 ? "after the last '|'" : "before '|'"
                throw HostError(
                    .chainSyntax, "no effect \(problem); expected an effect name such as direct-edit",
                    at: location(index == segments.count - 1 ? segment.lowerBound - 1 : segment.upperBound))
            }
            invocations.append(try parseEffect(characters, trimmedSegment, registry: registry))
        }
        return EffectChain(invocations: invocations)
    }

    // MARK: - Effects

    private static func parseEffect(
        _ characters: [Character], _ range: Range<Int>,
        registry: EffectRegistry
    ) throws(HostError) -> EffectInvocation {
        let parts = try split(characters, range, at: ":")
        // The name, with an optional `@requirement`.
        let head = trim(characters, parts[0])
        guard !head.isEmpty else {
            throw HostError(.chainSyntax, "expected an effect name before ':'", at: location(parts[0].lowerBound))
        }
        let headText = String(characters[head])
        let nameRange: Range<Int>
        var requirementRange: Range<Int>?
        if let at = characters[head].firstIndex(of: "@") {
            nameRange = trim(characters, head.lowerBound..<at)
            requirementRange = trim(characters, (at + 1)..<head.upperBound)
        } else {
            nameRange = head
        }
        guard !nameRange.isEmpty else {
            throw HostError(
                .chainSyntax, "\"\(headText)\" has no effect name before '@'; expected name@requirement",
                at: location(head.lowerBound))
        }
        let name = String(characters[nameRange])
        let effectLocation = location(nameRange.lowerBound)
        let effect = try registry.effect(named: name, at: effectLocation)
        let descriptor = effect.descriptor
        var requirement: VersionRequirement?
        if let requirementRange {
            let requirementText = String(characters[requirementRange])
            let requirementLocation = location(requirementRange.lowerBound)
            guard let parsed = VersionRequirement(parsing: requirementText) else {
                throw HostError(
                    .chainSyntax, "\"\(requirementText)\" is not a version requirement; expected \(VersionRequirement.expectation)",
                    at: requirementLocation)
            }
            try PresetChecks.check(parsed, effect: descriptor, at: requirementLocation)
            requirement = parsed
        }

        let given = try parameterValues(characters, parts.dropFirst(), descriptor: descriptor)
        let parameters = try PresetChecks.parameters(given, of: descriptor, at: effectLocation)
        return EffectInvocation(
            effect: effect, parameters: parameters, versionRequirement: requirement,
            location: effectLocation)
    }

    /// The `key=value` parts of one effect, parsed against `descriptor`'s parameters.
    private static func parameterValues(
        _ characters: [Character], _ parts: ArraySlice<Range<Int>>, descriptor: EffectDescriptor
    ) throws(HostError) -> [String: ParameterValue] {
        var given: [String: ParameterValue] = [:]
        for part in parts {
            let pair = trim(characters, part)
            guard !pair.isEmpty else {
                throw HostError(.chainSyntax, "nothing after ':'; expected key=value", at: location(part.lowerBound - 1))
            }
            guard let equals = try firstUnquoted("=", in: characters, pair) else {
                throw HostError(
                    .chainSyntax,
                    "\"\(String(characters[pair]))\" is not key=value; expected key=value after ':' (quote values that contain ':', e.g. faces=\"id:3\")",
                    at: location(pair.lowerBound))
            }
            let keyRange = trim(characters, pair.lowerBound..<equals)
            guard !keyRange.isEmpty else {
                throw HostError(.chainSyntax, "no parameter name before '='; expected key=value", at: location(pair.lowerBound))
            }
            let key = String(characters[keyRange])
            let keyLocation = location(keyRange.lowerBound)
            let spec = try PresetChecks.parameter(key, of: descriptor, at: keyLocation)
            guard given[key] == nil else {
                throw HostError(
                    .invalidParameter, "\(descriptor.id): '\(key)' is given twice; expected each parameter once",
                    at: keyLocation)
            }
            let valueRange = trim(characters, (equals + 1)..<pair.upperBound)
            let valueLocation = location(valueRange.isEmpty ? equals + 1 : valueRange.lowerBound)
            guard !valueRange.isEmpty else {
                throw ValueSyntax.missingValue(spec, effectID: descriptor.id, at: valueLocation)
            }
            let (text, quoted) = try unquote(characters, valueRange)
            given[key] = try ValueSyntax.scalarValue(
                text, quoted: quoted, spec: spec, effectID: descriptor.id,
                at: valueLocation,
                textStart: valueLocation.advanced(by: quoted ? 1 : 0))
        }
        return given
    }

    // MARK: - Scanning

    /// The location of the character at `offset` (0-based).
    private static func location(_ offset: Int) -> SourceLocation {
        SourceLocation(file: sourceName, line: 1, column: max(offset, 0) + 1)
    }

    /// The range without leading and trailing whitespace.
    private static func trim(_ characters: [Character], _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, characters[lower].isWhitespace { lower += 1 }
        while upper > lower, characters[upper - 1].isWhitespace { upper -= 1 }
        return lower..<upper
    }

    /// The offset after the quoted text starting at `start`; throws when it is not closed.
    private static func skipQuoted(_ characters: [Character], from start: Int, before end: Int) throws(HostError) -> Int {
        let quote = characters[start]
        var index = start + 1
        while index < end {
            if quote == "\"", characters[index] == "\\" { index += 2; continue }
            if characters[index] == quote { return index + 1 }
            index += 1
        }
        throw HostError(.chainSyntax, "unterminated quote; expected a closing \(quote)", at: location(start))
    }

    /// Splits `range` at every `separator` outside quotes.
    private static func split(
        _ characters: [Character], _ range: Range<Int>,
        at separator: Character
    ) throws(HostError) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        for offset in try unquotedOffsets(of: separator, in: characters, range) {
            pieces.append(start..<offset)
            start = offset + 1
        }
        pieces.append(start..<range.upperBound)
        return pieces
    }

    /// The offset of the first `target` outside quotes.
    private static func firstUnquoted(
        _ target: Character, in characters: [Character],
        _ range: Range<Int>
    ) throws(HostError) -> Int? {
        try unquotedOffsets(of: target, in: characters, range).first
    }

    /// Every offset of `target` in `range` that is not inside a quoted run.
    private static func unquotedOffsets(
        of target: Character, in characters: [Character],
        _ range: Range<Int>
    ) throws(HostError) -> [Int] {
        var offsets: [Int] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let character = characters[index]
            if character == "\"" || character == "'" {
                index = try skipQuoted(characters, from: index, before: range.upperBound)
                continue
            }
            if character == target { offsets.append(index) }
            index += 1
        }
        return offsets
    }

    /// The value's text, without quotes and escapes when it is quoted.
    private static func unquote(_ characters: [Character], _ range: Range<Int>) throws(HostError) -> (String, Bool) {
        let first = characters[range.lowerBound]
        guard first == "\"" || first == "'" else {
            if let quote = characters[range].firstIndex(where: { $0 == "\"" || $0 == "'" }) {
                throw HostError(
                    .chainSyntax, "a quote inside a value; expected the whole value in quotes",
                    at: location(quote))
            }
            return (String(characters[range]), false)
        }
        let end = try skipQuoted(characters, from: range.lowerBound, before: range.upperBound)
        guard end == range.upperBound else {
            throw HostError(.chainSyntax, "text after the closing quote; expected ':' or '|'", at: location(end))
        }
        var text = ""
        var index = range.lowerBound + 1
        while index < end - 1 {
            if first == "\"", characters[index] == "\\", index + 1 < end - 1 { index += 1 }
            text.append(characters[index])
            index += 1
        }
        return (text, true)
    }
}
