// How parameter values are read from text, shared by preset files and the one-line chain
// syntax so both mean the same thing, and how they are written back.
//
// The parameter's declared type decides how a word is read: `15` is a number for a number
// parameter and the text "15" for a text parameter. Quoted text is always text, so `"15"` is
// not a number. Booleans are `true` and `false` only (YAML 1.2); `yes`, `no`, `on` and `off`
// are rejected with a hint, because YAML 1.1 reads them as booleans and that surprises people
// (`country: no`).

import FacetSDK

/// A keyframe as written, with where its time and value were written.
struct LocatedKeyframe {
    var keyframe: Keyframe
    /// Where the time was written.
    var timeLocation: SourceLocation
    /// Where the value was written.
    var valueLocation: SourceLocation
}

extension SourceLocation {
    /// The location `count` columns further on the same line.
    func advanced(by count: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column.map { $0 + count })
    }
}

/// Reading and writing parameter values as text.
enum ValueSyntax {
    // MARK: - Words

    /// The words accepted as booleans.
    static let trueWords: Set<String> = ["true", "True", "TRUE"]
    /// The words accepted as booleans.
    static let falseWords: Set<String> = ["false", "False", "FALSE"]
    /// YAML 1.1 boolean words that Facet does not take as booleans.
    static let yaml11BooleanWords: Set<String> = ["yes", "no", "on", "off", "y", "n"]

    /// The easing names, in declaration order, for messages.
    static var easingNames: String { Easing.allCases.map(\.rawValue).joined(separator: ", ") }

    /// A finite decimal number (`15`, `-2.5`, `1e-3`, `.5`); nil for anything else, including
    /// hexadecimal, `inf`, `nan` and YAML 1.1 forms such as `1_000`.
    static func number(_ text: String) -> Double? {
        let allowed = Set("0123456789+-.eE")
        guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }), text.contains(where: \.isNumber),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }

    /// `true` or `false` (any of `true`, `True`, `TRUE`…); nil for anything else.
    static func boolean(_ text: String) -> Bool? {
        if trueWords.contains(text) { return true }
        if falseWords.contains(text) { return false }
        return nil
    }

    /// The easing called `name`; the error lists the easings.
    static func easing(
        named name: String, context: String = "",
        at location: SourceLocation
    ) throws(HostError) -> Easing {
        guard let easing = Easing(rawValue: name) else {
            throw HostError(
                .invalidParameter, "\(context)unknown easing \(DisplayText.quoted(name)); expected one of: \(easingNames)", at: location)
        }
        return easing
    }

    // MARK: - Values

    /// The error for a parameter written without a value.
    static func missingValue(_ spec: ParameterSpec, effectID: String, at location: SourceLocation) -> HostError {
        HostError(.invalidParameter, "\(effectID): '\(spec.name)' has no value; expected \(spec.expectation)", at: location)
    }

    /// Reads a scalar written for `spec`.
    ///
    /// - Parameters:
    ///   - quoted: whether the text was quoted (quoted text is always text).
    ///   - location: where the value was written (reported for whole-value errors).
    ///   - textStart: where its first character is (inside the quotes), for errors inside it.
    static func scalarValue(
        _ text: String, quoted: Bool, spec: ParameterSpec, effectID: String,
        at location: SourceLocation, textStart: SourceLocation
    ) throws(HostError) -> ParameterValue {
        let value: ParameterValue
        switch spec.type {
        case .number, .integer:
            if text.contains("@") {
                let keyframes = try compactKeyframes(text, context: "\(effectID): '\(spec.name)' ", at: textStart)
                return try keyframesValue(keyframes, spec: spec, effectID: effectID, at: location)
            }
            guard !quoted, let number = number(text.trimmingWhitespace()) else {
                let hint = quoted && number(text.trimmingWhitespace()) != nil ? " (write the number without quotes)" : ""
                throw HostError(
                    .invalidParameter,
                    "\(effectID): '\(spec.name)' got the text \(DisplayText.quoted(text, quote: "\"")); expected \(spec.expectation)\(hint)",
                    at: location)
            }
            value = .number(number)
        case .boolean:
            guard !quoted, let boolean = boolean(text) else {
                let hint =
                    yaml11BooleanWords.contains(text.lowercased())
                    ? " (Facet reads only true and false as booleans, not YAML 1.1 words like yes, no, on, off)" : ""
                throw HostError(
                    .invalidParameter,
                    "\(effectID): '\(spec.name)' got the text \(DisplayText.quoted(text, quote: "\"")); expected \(spec.expectation)\(hint)",
                    at: location)
            }
            value = .boolean(boolean)
        case .choice, .text:
            value = .text(text)
        }
        try check(value, spec: spec, effectID: effectID, at: location)
        return value
    }

    /// Checks keyframes written for `spec` and makes them a value.
    ///
    /// Every keyframe's time must be ≥ 0 and after the previous one's (checked by
    /// `KeyframeTrack.init`, reported at the offending time), every value in range (checked by
    /// `ParameterSpec.validate`, reported at the offending value).
    static func keyframesValue(
        _ keyframes: [LocatedKeyframe], spec: ParameterSpec, effectID: String,
        at location: SourceLocation
    ) throws(HostError) -> ParameterValue {
        guard spec.type.isAnimatable else {
            throw HostError(
                .invalidParameter,
                "\(effectID): '\(spec.name)' is a \(spec.type.name) and cannot be keyframed; expected \(spec.expectation)",
                at: location)
        }
        guard spec.isKeyframable else {
            throw HostError(
                .invalidParameter,
                "\(effectID): '\(spec.name)' cannot be keyframed (the effect reads it once for the whole video); expected \(spec.expectation)",
                at: location)
        }
        guard !keyframes.isEmpty else {
            throw HostError(
                .invalidParameter,
                "\(effectID): '\(spec.name)' has an empty keyframe list; expected at least one keyframe",
                at: location)
        }
        for (index, item) in keyframes.enumerated() {
            if item.keyframe.time < 0 {
                throw HostError(
                    .invalidParameter,
                    "\(effectID): '\(spec.name)' keyframe \(index + 1) is at \(ParameterSpec.format(item.keyframe.time)) s; expected a time ≥ 0 s from the start of the video",
                    at: item.timeLocation)
            }
            // The SDK checks the order; checking each prefix points at the keyframe that breaks it.
            do {
                _ = try KeyframeTrack(keyframes[...index].map(\.keyframe))
            } catch {
                throw HostError(.invalidParameter, "\(effectID): '\(spec.name)'", at: item.timeLocation, cause: error)
            }
        }
        let track: KeyframeTrack
        do {
            track = try KeyframeTrack(keyframes.map(\.keyframe))
        } catch {
            throw HostError(.invalidParameter, "\(effectID): '\(spec.name)'", at: location, cause: error)
        }
        let value = ParameterValue.keyframes(track)
        do {
            try spec.validate(value)
        } catch {
            let offending = keyframes.first { item in
                do { try spec.validate(.number(item.keyframe.value)); return false } catch { return true }
            }
            throw HostError(.invalidParameter, effectID, at: offending?.valueLocation ?? location, cause: error)
        }
        return value
    }

    /// Checks a value against its spec (type and range), reporting at `location`.
    static func check(
        _ value: ParameterValue, spec: ParameterSpec, effectID: String,
        at location: SourceLocation
    ) throws(HostError) {
        do {
            try spec.validate(value)
        } catch {
            throw HostError(.invalidParameter, effectID, at: location, cause: error)
        }
    }

    // MARK: - Compact keyframes

    /// Reads `value@time[~easing], …` (e.g. `0@0, 15@1~ease-in-out, 0@2.5`); `start` is where
    /// the first character was written, so errors point inside the text.
    /// `context` (such as `org.facet.direct-edit: 'yaw' `) starts every message.
    static func compactKeyframes(
        _ text: String, context: String = "",
        at start: SourceLocation
    ) throws(HostError) -> [LocatedKeyframe] {
        let form = "value@time or value@time~easing, separated by commas (e.g. 0@0, 15@1~ease-in-out, 0@2.5)"
        var result: [LocatedKeyframe] = []
        for (number, item) in split(text, at: ",").enumerated() {
            let itemLocation = start.advanced(by: item.offset)
            guard !item.text.isEmpty else {
                throw HostError(.invalidParameter, "\(context)keyframe \(number + 1) is empty; expected \(form)", at: itemLocation)
            }
            let easingParts = split(item.text, at: "~")
            guard easingParts.count <= 2 else {
                throw HostError(
                    .invalidParameter, "\(context)keyframe \(number + 1) \"\(item.text)\" has more than one '~'; expected \(form)",
                    at: itemLocation)
            }
            let valueAndTime = split(easingParts[0].text, at: "@")
            guard valueAndTime.count == 2 else {
                let problem = valueAndTime.count < 2 ? "has no '@time'" : "has more than one '@'"
                throw HostError(
                    .invalidParameter, "\(context)keyframe \(number + 1) \"\(item.text)\" \(problem); expected \(form)",
                    at: itemLocation)
            }
            let valuePart = valueAndTime[0]
            let timePart = valueAndTime[1]
            let valueLocation = itemLocation.advanced(by: easingParts[0].offset + valuePart.offset)
            let timeLocation = itemLocation.advanced(by: easingParts[0].offset + timePart.offset)
            guard let value = self.number(valuePart.text) else {
                throw HostError(
                    .invalidParameter,
                    "\(context)keyframe \(number + 1) value \"\(valuePart.text)\" is not a number; expected \(form)",
                    at: valueLocation)
            }
            guard let time = self.number(timePart.text) else {
                throw HostError(
                    .invalidParameter,
                    "\(context)keyframe \(number + 1) time \"\(timePart.text)\" is not a number of seconds; expected \(form)",
                    at: timeLocation)
            }
            var easing = Easing.linear
            if easingParts.count == 2 {
                easing = try self.easing(named: easingParts[1].text, context: context, at: itemLocation.advanced(by: easingParts[1].offset))
            }
            result.append(
                LocatedKeyframe(
                    keyframe: Keyframe(time: time, value: value, easing: easing),
                    timeLocation: timeLocation, valueLocation: valueLocation))
        }
        return result
    }

    /// Splits at `separator`, trimming each piece; `offset` is the piece's trimmed start in characters.
    static func split(_ text: String, at separator: Character) -> [(text: String, offset: Int)] {
        var pieces: [(text: String, offset: Int)] = []
        var current = ""
        var currentStart = 0
        for (offset, character) in text.enumerated() {
            if character == separator {
                pieces.append(trimmed(current, start: currentStart))
                current = ""
                currentStart = offset + 1
            } else {
                current.append(character)
            }
        }
        pieces.append(trimmed(current, start: currentStart))
        return pieces
    }

    private static func trimmed(_ text: String, start: Int) -> (text: String, offset: Int) {
        let leading = text.prefix { $0.isWhitespace }.count
        return (text.trimmingWhitespace(), start + leading)
    }

    // MARK: - Writing

    /// A value in the one-line chain syntax; `ChainParser` reads it back to the same value.
    static func chainText(of value: ParameterValue) -> String {
        switch value {
        case .number(let number):
            return ParameterSpec.format(number)
        case .boolean(let boolean):
            return boolean ? "true" : "false"
        case .text(let text):
            return quotedIfNeeded(text)
        case .keyframes(let track):
            return track.keyframes.map { keyframe in
                var text = ParameterSpec.format(keyframe.value) + "@" + ParameterSpec.format(keyframe.time)
                if keyframe.easing != .linear { text += "~" + keyframe.easing.rawValue }
                return text
            }.joined(separator: ",")
        }
    }

    /// Characters that end or split a token in the chain syntax.
    static let chainSpecialCharacters = Set(":|=\"'@,~")

    /// The text, in double quotes with `\"` and `\\` escaped when it holds a special character,
    /// whitespace, or is empty.
    static func quotedIfNeeded(_ text: String) -> String {
        let plain =
            !text.isEmpty && !text.contains { $0.isWhitespace || chainSpecialCharacters.contains($0) }
            && !text.contains("\\")
        if plain { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

extension ParameterValue {
    /// The value as written in the one-line chain syntax (keyframes with their easings), e.g.
    /// `0@0~ease-in-out,15@1`; what `facet effects` and `facet presets show` print.
    public var chainText: String { ValueSyntax.chainText(of: self) }
}
