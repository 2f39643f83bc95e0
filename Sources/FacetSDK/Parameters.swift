// The typed parameter schema effects declare, and the values a preset or chain gives them.

/// The type of an effect parameter.
public enum ParameterType: Sendable, Equatable {
    /// A real number; may be keyframed.
    case number
    /// A whole number; may be keyframed (interpolated values are rounded).
    case integer
    /// On or off.
    case boolean
    /// One of a fixed set of words.
    case choice([String])
    /// Free text (a file path, a track selector…).
    case text

    /// A short name for messages and parameter tables: `number`, `integer`, `boolean`, `choice`, `text`.
    public var name: String {
        switch self {
        case .number: return "number"
        case .integer: return "integer"
        case .boolean: return "boolean"
        case .choice: return "choice"
        case .text: return "text"
        }
    }

    /// Whether values of this type can vary over time through keyframes.
    public var isAnimatable: Bool {
        switch self {
        case .number, .integer: return true
        case .boolean, .choice, .text: return false
        }
    }
}

/// What the host does with a parameter's value before the effect runs.
public enum ParameterRole: String, Codable, Sendable, CaseIterable {
    /// The text names a driving input (video, still image or motion file): the host analyses
    /// it and passes its motion in `EffectContext.drivingInputs`, keyed by the parameter's name.
    case drivingInput = "driving-input"
    /// The text is what the effect's audio says (the words, or a path to a UTF-8 text file): the
    /// host aligns those words to the audio for `EffectContext.speech` (empty: phones are
    /// recognised from the audio alone).
    case transcript
}

/// How a keyframed value moves from one keyframe to the next.
public enum Easing: String, Codable, Sendable, CaseIterable {
    /// Constant speed.
    case linear
    /// Keep the value until the next keyframe, then jump.
    case hold
    /// Start slowly, end at full speed (quadratic).
    case easeIn = "ease-in"
    /// Start at full speed, end slowly (quadratic).
    case easeOut = "ease-out"
    /// Start and end slowly (smoothstep: zero velocity at both keyframes).
    case easeInOut = "ease-in-out"

    /// Maps linear progress `u` in [0, 1] to eased progress in [0, 1].
    public func apply(_ u: Double) -> Double {
        let t = min(max(u, 0), 1)
        switch self {
        case .linear: return t
        case .hold: return t < 1 ? 0 : 1
        case .easeIn: return t * t
        case .easeOut: return 1 - (1 - t) * (1 - t)
        case .easeInOut: return t * t * (3 - 2 * t)
        }
    }
}

/// A value at a moment, and how to move from it towards the next keyframe.
public struct Keyframe: Codable, Sendable, Equatable {
    /// Time in seconds from the start of the video.
    public var time: Double
    /// The value at `time`.
    public var value: Double
    /// The easing of the segment that starts at this keyframe.
    public var easing: Easing

    /// Creates a keyframe.
    public init(time: Double, value: Double, easing: Easing = .linear) {
        self.time = time
        self.value = value
        self.easing = easing
    }

    /// Decodes a keyframe; `easing` may be left out and is then `linear`, as in the initialiser.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        time = try container.decode(Double.self, forKey: .time)
        value = try container.decode(Double.self, forKey: .value)
        easing = try container.decodeIfPresent(Easing.self, forKey: .easing) ?? .linear
    }
}

/// A time-varying number: a non-empty list of keyframes with strictly increasing times.
///
/// Before the first keyframe the value is the first one's; after the last, the last one's.
public struct KeyframeTrack: Sendable, Equatable {
    /// The keyframes, strictly increasing in time.
    public let keyframes: [Keyframe]

    /// Creates a track; throws when the list is empty or the times do not strictly increase.
    public init(_ keyframes: [Keyframe]) throws(EffectError) {
        guard !keyframes.isEmpty else {
            throw EffectError(.invalidKeyframes, "a keyframe list needs at least one keyframe, got an empty list")
        }
        for (index, keyframe) in keyframes.enumerated() {
            guard keyframe.time.isFinite, keyframe.value.isFinite else {
                throw EffectError(
                    .invalidKeyframes,
                    "keyframe \(index + 1) has a non-finite time or value; expected finite numbers")
            }
            if index > 0, keyframe.time <= keyframes[index - 1].time {
                throw EffectError(
                    .invalidKeyframes,
                    "keyframe \(index + 1) is at \(keyframe.time) s, not after keyframe \(index) at \(keyframes[index - 1].time) s; expected strictly increasing times"
                )
            }
        }
        self.keyframes = keyframes
    }

    /// The value at `time` seconds.
    public func value(at time: Double) -> Double {
        guard let first = keyframes.first, let last = keyframes.last else { return 0 }
        if time <= first.time { return first.value }
        if time >= last.time { return last.value }
        // Binary search for the segment [k, k+1] containing time.
        var low = 0
        var high = keyframes.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if keyframes[mid].time <= time { low = mid } else { high = mid }
        }
        let a = keyframes[low]
        let b = keyframes[high]
        let u = a.easing.apply((time - a.time) / (b.time - a.time))
        return a.value + (b.value - a.value) * u
    }

    /// The time of the last keyframe: how long the animation runs.
    public var endTime: Double { keyframes.last?.time ?? 0 }
}

/// A value given to a parameter: a constant, or keyframes for numeric parameters.
public enum ParameterValue: Sendable, Equatable {
    /// A constant number (for `number` and `integer` parameters).
    case number(Double)
    /// On or off.
    case boolean(Bool)
    /// A word (for `choice` parameters) or free text (for `text` parameters).
    case text(String)
    /// A time-varying number.
    case keyframes(KeyframeTrack)

    /// A short description of the value's kind, for messages.
    public var kindDescription: String {
        switch self {
        case .number: return "a number"
        case .boolean: return "a boolean"
        case .text(let string): return "the text \"\(string)\""
        case .keyframes: return "a keyframe list"
        }
    }
}

/// One parameter in an effect's schema: everything a host needs to list, document and validate it.
public struct ParameterSpec: Sendable, Equatable {
    /// The parameter's name as written in presets and chains (lower-case, words joined by `-`).
    public let name: String
    /// The parameter's type.
    public let type: ParameterType
    /// The value used when a preset does not give one.
    public let defaultValue: ParameterValue
    /// The smallest allowed value (numbers and integers), if bounded.
    public let minimum: Double?
    /// The largest allowed value (numbers and integers), if bounded.
    public let maximum: Double?
    /// The unit a number is written in (`deg`, `s`, `px`…), or nil for a plain factor.
    public let unit: String?
    /// One or two sentences for the parameter table.
    public let documentation: String
    /// What the host does with the value before the effect runs; nil: nothing, the effect reads
    /// it as it is. A `.drivingInput` text names a file the host analyses (see `DrivingInput`).
    public let role: ParameterRole?
    /// Whether the parameter takes keyframes: numbers and integers do, unless declared
    /// `withoutKeyframes()` because the effect reads them once for the whole video; other types
    /// never do. Keyframes given to a parameter that takes none are refused by `validate`.
    public let isKeyframable: Bool

    /// Creates a spec from every field (the static constructors below are the usual way).
    init(
        name: String, type: ParameterType, defaultValue: ParameterValue, minimum: Double?, maximum: Double?,
        unit: String?, documentation: String, role: ParameterRole? = nil, keyframable: Bool = true
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit
        self.documentation = documentation
        self.role = role
        self.isKeyframable = keyframable && type.isAnimatable
    }

    /// This parameter, taking no keyframes: for a number the effect reads once for the whole
    /// video (a seed, a time constant). Hosts refuse keyframes for it before the effect runs.
    public func withoutKeyframes() -> ParameterSpec {
        ParameterSpec(
            name: name, type: type, defaultValue: defaultValue, minimum: minimum, maximum: maximum, unit: unit,
            documentation: documentation, role: role, keyframable: false)
    }

    /// A number parameter; may be keyframed.
    public static func number(
        _ name: String, default value: Double, min: Double? = nil, max: Double? = nil,
        unit: String? = nil, _ documentation: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .number, defaultValue: .number(value), minimum: min, maximum: max,
            unit: unit, documentation: documentation)
    }

    /// An integer parameter; may be keyframed.
    public static func integer(
        _ name: String, default value: Int, min: Int? = nil, max: Int? = nil,
        unit: String? = nil, _ documentation: String
    ) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .integer, defaultValue: .number(Double(value)),
            minimum: min.map(Double.init), maximum: max.map(Double.init),
            unit: unit, documentation: documentation)
    }

    /// A boolean parameter.
    public static func boolean(_ name: String, default value: Bool, _ documentation: String) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .boolean, defaultValue: .boolean(value), minimum: nil, maximum: nil,
            unit: nil, documentation: documentation)
    }

    /// A choice among fixed words; the default must be one of them.
    public static func choice(
        _ name: String, _ options: [String], default value: String,
        _ documentation: String
    ) -> ParameterSpec {
        precondition(options.contains(value), "default '\(value)' of '\(name)' is not one of its options")
        return ParameterSpec(
            name: name, type: .choice(options), defaultValue: .text(value), minimum: nil,
            maximum: nil, unit: nil, documentation: documentation)
    }

    /// A free-text parameter.
    public static func text(_ name: String, default value: String, _ documentation: String) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .text, defaultValue: .text(value), minimum: nil, maximum: nil,
            unit: nil, documentation: documentation)
    }

    /// A text parameter naming a driving input: a video, still image or motion file the host
    /// resolves (relative to the preset file that gives it, else the working directory), analyses
    /// with the source's face model, caches, and hands the effect as `EffectContext.drivingInputs[name]`.
    /// The default is empty: no driver.
    public static func drivingInput(_ name: String, _ documentation: String) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .text, defaultValue: .text(""), minimum: nil, maximum: nil, unit: nil,
            documentation: documentation, role: .drivingInput)
    }

    /// A text parameter giving the transcript of the effect's audio: the words spoken, or the path
    /// of a text file holding them (resolved like a driving input). The host aligns them to the
    /// audio for `EffectContext.speech`; the default is empty: phones are recognised.
    public static func transcript(_ name: String, _ documentation: String) -> ParameterSpec {
        ParameterSpec(
            name: name, type: .text, defaultValue: .text(""), minimum: nil, maximum: nil, unit: nil,
            documentation: documentation, role: .transcript)
    }

    /// The accepted range in words, e.g. `-45 … 45 deg`, or nil when unbounded and not numeric.
    public var rangeDescription: String? {
        switch type {
        case .number, .integer:
            let low = minimum.map(Self.format) ?? "-∞"
            let high = maximum.map(Self.format) ?? "∞"
            return "\(low) … \(high)" + (unit.map { " \($0)" } ?? "")
        case .choice(let options):
            return options.joined(separator: " | ")
        case .boolean:
            return "true | false"
        case .text:
            return nil
        }
    }

    /// What a valid value looks like, for error messages.
    public var expectation: String {
        switch type {
        case .number:
            return "a number" + (rangeDescription.map { " in \($0)" } ?? "") + (isKeyframable ? " or a keyframe list" : "")
        case .integer:
            return "a whole number" + (rangeDescription.map { " in \($0)" } ?? "") + (isKeyframable ? " or a keyframe list" : "")
        case .boolean:
            return "true or false"
        case .choice(let options):
            return "one of " + options.joined(separator: ", ")
        case .text:
            return "text"
        }
    }

    /// Checks a value against this parameter's type and range; the error says what was expected.
    public func validate(_ value: ParameterValue) throws(EffectError) {
        switch (type, value) {
        case (.number, .number(let number)), (.integer, .number(let number)):
            try checkNumber(number, what: "value")
        case (.number, .keyframes(let track)), (.integer, .keyframes(let track)):
            guard isKeyframable else {
                throw EffectError(
                    .invalidParameter,
                    "'\(name)' cannot be keyframed: the effect reads it once for the whole video; expected \(expectation)")
            }
            for (index, keyframe) in track.keyframes.enumerated() {
                try checkNumber(keyframe.value, what: "keyframe \(index + 1) value")
            }
        case (.boolean, .boolean), (.text, .text):
            return
        case (.choice(let options), .text(let word)):
            guard options.contains(word) else {
                throw EffectError(.invalidParameter, "'\(name)' got \"\(word)\"; expected \(expectation)")
            }
        default:
            throw EffectError(.invalidParameter, "'\(name)' got \(value.kindDescription); expected \(expectation)")
        }
    }

    private func checkNumber(_ number: Double, what: String) throws(EffectError) {
        guard number.isFinite else {
            throw EffectError(.invalidParameter, "'\(name)' \(what) is not a finite number; expected \(expectation)")
        }
        if type == .integer, number.rounded() != number {
            throw EffectError(.outOfRange, "'\(name)' \(what) \(Self.format(number)) is not whole; expected \(expectation)")
        }
        if type == .integer, abs(number) > Self.largestExactInteger {
            throw EffectError(
                .outOfRange,
                "'\(name)' \(what) \(Self.format(number)) is too large to count exactly "
                    + "(beyond ±2^53); expected \(expectation)")
        }
        if let minimum, number < minimum {
            throw EffectError(
                .outOfRange,
                "'\(name)' \(what) \(Self.format(number)) is below the minimum \(Self.format(minimum)); expected \(expectation)")
        }
        if let maximum, number > maximum {
            throw EffectError(
                .outOfRange,
                "'\(name)' \(what) \(Self.format(number)) is above the maximum \(Self.format(maximum)); expected \(expectation)")
        }
    }

    /// The largest magnitude an `integer` value may have: every whole number up to 2^53 is exact
    /// as a `Double` (and fits an `Int`).
    static let largestExactInteger: Double = 9_007_199_254_740_992

    /// Formats a number without a trailing `.0` for whole values.
    public static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }
}

/// The validated parameter values of one effect instance, defaults filled in, and the schema
/// they were validated against.
///
/// An effect reads its values through its typed declarations (see `ParameterDeclaration`):
/// `parameters[Self.yaw, at: time]`, `parameters[Self.mode]`. Numeric parameters are read at a
/// time in seconds, so each can be keyframed without the effect knowing whether it is.
///
/// The string-named readers (`number(_:at:)`, `integer(_:at:)`, `boolean(_:)`, `text(_:)`,
/// `isAnimated(_:)`) stay for code that knows names only at run time: a host or tool that reads
/// presets, a bridge to another plugin format, an effect looping over names it builds. They
/// throw for a name the schema lacks or a parameter of another type, so a typo is never a
/// silent 0. An effect with a fixed schema should not use them: a misspelt declaration does not
/// compile, a misspelt string only fails when it runs.
public struct EffectParameters: Sendable, Equatable {
    /// Every parameter of the schema with its value (given or default).
    public let values: [String: ParameterValue]
    /// The schema the values were validated against, in descriptor order.
    public let schema: [ParameterSpec]
    /// The position of each name in `schema`.
    private let positions: [String: Int]

    /// Validates `given` against `schema` and fills in defaults.
    ///
    /// Throws for an unknown name (listing the known ones) or an invalid value.
    public init(schema: [ParameterSpec], given: [String: ParameterValue]) throws(EffectError) {
        var values: [String: ParameterValue] = [:]
        var positions: [String: Int] = [:]
        for (index, spec) in schema.enumerated() where positions[spec.name] == nil {
            values[spec.name] = spec.defaultValue
            positions[spec.name] = index
        }
        for (name, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let position = positions[name] else {
                let known = schema.map(\.name).joined(separator: ", ")
                throw EffectError(
                    .unknownParameter,
                    "unknown parameter '\(name)'; expected one of: \(known.isEmpty ? "(none)" : known)")
            }
            try schema[position].validate(value)
            values[name] = value
        }
        self.values = values
        self.schema = schema
        self.positions = positions
    }

    /// Validates `given` against the schema of `effect`'s descriptor and fills in defaults.
    public init(for effect: any FaceEffect.Type, given: [String: ParameterValue] = [:]) throws(EffectError) {
        try self.init(schema: effect.descriptor.parameters, given: given)
    }

    /// The time of the latest keyframe over all parameters (0 when nothing is keyframed).
    public var animationEndTime: Double {
        values.values.reduce(0) { latest, value in
            if case .keyframes(let track) = value { return max(latest, track.endTime) }
            return latest
        }
    }

    // MARK: - Reading by name, for names known only at run time

    /// The number or integer `name` at `time` seconds (keyframes are interpolated).
    ///
    /// Throws `EffectError.Code.unknownParameter` for a name the schema lacks and
    /// `EffectError.Code.invalidParameter` for a parameter that is not a number or integer.
    /// An effect reads its own parameters through their declarations instead:
    /// `parameters[Self.yaw, at: time]`.
    public func number(_ name: String, at time: Double = 0) throws(EffectError) -> Double {
        let (spec, value) = try named(name, reading: "a number")
        switch (spec.type, value) {
        case (.number, .number(let number)), (.integer, .number(let number)): return number
        case (.number, .keyframes(let track)), (.integer, .keyframes(let track)): return track.value(at: time)
        default: throw mismatch(spec, reading: "a number")
        }
    }

    /// The integer `name` at `time` seconds (interpolated keyframes are rounded).
    ///
    /// Throws like `number(_:at:)`; only an `integer` parameter reads as an integer.
    public func integer(_ name: String, at time: Double = 0) throws(EffectError) -> Int {
        let (spec, value) = try named(name, reading: "an integer")
        switch (spec.type, value) {
        case (.integer, .number(let number)): return Int(number)
        case (.integer, .keyframes(let track)): return Int(track.value(at: time).rounded())
        default: throw mismatch(spec, reading: "an integer")
        }
    }

    /// The boolean `name`. Throws like `number(_:at:)`.
    public func boolean(_ name: String) throws(EffectError) -> Bool {
        let (spec, value) = try named(name, reading: "a boolean")
        guard case (.boolean, .boolean(let flag)) = (spec.type, value) else { throw mismatch(spec, reading: "a boolean") }
        return flag
    }

    /// The word (a `choice` parameter) or text (a `text` parameter) `name`. Throws like
    /// `number(_:at:)`.
    public func text(_ name: String) throws(EffectError) -> String {
        let (spec, value) = try named(name, reading: "text")
        switch (spec.type, value) {
        case (.choice, .text(let word)), (.text, .text(let word)): return word
        default: throw mismatch(spec, reading: "text")
        }
    }

    /// Whether the parameter `name` is keyframed. Throws for a name the schema lacks.
    public func isAnimated(_ name: String) throws(EffectError) -> Bool {
        if case .keyframes = try named(name, reading: "keyframes or a constant").value { return true }
        return false
    }

    // MARK: - Helpers

    /// The value checked against the declaration `declared`: its name must be in the schema,
    /// declared exactly so (same type, default, range, unit, documentation).
    func validatedValue(declaredBy declared: ParameterSpec) throws(EffectError) -> ParameterValue {
        guard let position = positions[declared.name], let value = values[declared.name] else {
            throw notInSchema(declared.name, reading: nil)
        }
        let spec = schema[position]
        guard spec == declared else {
            let (read, validated) = (Self.summary(declared), Self.summary(spec))
            throw EffectError(
                .invalidParameter,
                "parameter '\(declared.name)' is read as \(read), but the values were validated against "
                    + "a schema declaring it as \(validated)\(read == validated ? " (the documentation differs)" : ""); "
                    + "expected the effect to read the declarations its descriptor lists")
        }
        return value
    }

    /// The spec and value of `name`, or the error naming the declared parameters.
    private func named(_ name: String, reading what: String) throws(EffectError) -> (spec: ParameterSpec, value: ParameterValue) {
        guard let position = positions[name], let value = values[name] else { throw notInSchema(name, reading: what) }
        return (schema[position], value)
    }

    /// The error for reading `name`, which the schema lacks: by name (`what` says as what) or,
    /// with `what` nil, through a declaration the descriptor does not list.
    private func notInSchema(_ name: String, reading what: String?) -> EffectError {
        let declared = schema.map(\.name).joined(separator: ", ")
        let attempt = what.map { "cannot read parameter '\(name)' as \($0)" } ?? "parameter '\(name)' is read"
        let fix = what == nil ? " (is its declaration missing from the effect descriptor's parameters?)" : ""
        return EffectError(
            .unknownParameter,
            "\(attempt), but the schema these values were validated against has no such parameter; "
                + "it declares: \(declared.isEmpty ? "(none)" : declared)\(fix)")
    }

    private func mismatch(_ spec: ParameterSpec, reading what: String) -> EffectError {
        EffectError(.invalidParameter, "cannot read parameter '\(spec.name)' as \(what): it is declared as \(Self.summary(spec))")
    }

    /// `number -45 … 45 deg, default 0`: the type, range and default of a parameter, for messages.
    private static func summary(_ spec: ParameterSpec) -> String {
        var words = spec.type.name
        if let range = spec.rangeDescription { words += " " + range }
        switch spec.defaultValue {
        case .number(let number): words += ", default " + ParameterSpec.format(number)
        case .boolean(let flag): words += ", default \(flag)"
        case .text(let text): words += ", default \"\(text)\""
        case .keyframes: words += ", default keyframes"
        }
        return words
    }
}
