// Typed parameter declarations: an effect declares each parameter once, as a value that both
// puts its `ParameterSpec` in the descriptor and reads its value back with the right Swift type.
// A misspelt declaration does not compile; a declaration missing from the schema the values were
// validated against is a clear error naming it, never a silent 0.

/// A parameter declared once, as a typed value: its `spec` goes into the effect's descriptor and
/// the same value reads the parameter back from `EffectParameters` as a `Value`.
///
/// ```swift
/// static let yaw = NumberParameter("yaw", default: 0, range: -45...45, unit: "deg", "Turn left/right.")
/// static let descriptor = EffectDescriptor(id: "com.example.turn", version: EffectVersion(1),
///                                          summary: "Turn the head.", parameters: [yaw])
/// // in edit/process:
/// let degrees = parameters[Self.yaw, at: time]
/// ```
///
/// The SDK provides `NumberParameter`, `IntegerParameter`, `BooleanParameter`,
/// `ChoiceParameter` and `TextParameter`. A declaration of your own conforms to
/// `AnimatableParameter` (read with a time) or `ConstantParameter` (read without one).
public protocol ParameterDeclaration: Sendable {
    /// The Swift type the parameter reads as.
    associatedtype Value: Sendable

    /// The parameter as the descriptor lists it: name, type, default, range, unit, documentation.
    var spec: ParameterSpec { get }

    /// The Swift value of `value` at `time` seconds. `value` has been validated against `spec`
    /// (same type and range), so this cannot fail.
    func read(_ value: ParameterValue, at time: Double) -> Value
}

/// A parameter whose value may be keyframed, so it is always read at a time:
/// `parameters[Self.yaw, at: time]`.
public protocol AnimatableParameter: ParameterDeclaration {}

/// A parameter whose value is the same for the whole video, read without a time:
/// `parameters[Self.mode]`.
public protocol ConstantParameter: ParameterDeclaration {}

// MARK: - The declarations

/// A real number, constant or keyframed; reads as `Double`.
public struct NumberParameter: AnimatableParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A number parameter accepting any finite value.
    public init(_ name: String, default value: Double, unit: String? = nil, _ documentation: String) {
        self.init(name, value, nil, nil, unit, documentation)
    }

    /// A number parameter accepting values in `range` (both ends included).
    public init(
        _ name: String, default value: Double, range: ClosedRange<Double>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, range.lowerBound, range.upperBound, unit, documentation)
    }

    /// A number parameter accepting values from `range.lowerBound` up (`0...`).
    public init(
        _ name: String, default value: Double, range: PartialRangeFrom<Double>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, range.lowerBound, nil, unit, documentation)
    }

    /// A number parameter accepting values up to `range.upperBound` (`...0`).
    public init(
        _ name: String, default value: Double, range: PartialRangeThrough<Double>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, nil, range.upperBound, unit, documentation)
    }

    private init(
        _ name: String, _ value: Double, _ minimum: Double?, _ maximum: Double?, _ unit: String?,
        _ documentation: String
    ) {
        spec = checkedSpec(.number(name, default: value, min: minimum, max: maximum, unit: unit, documentation))
    }

    private init(spec: ParameterSpec) { self.spec = spec }

    /// The same parameter, taking no keyframes (`ParameterSpec.withoutKeyframes()`): for a number
    /// the effect reads once for the whole video. Hosts refuse keyframes for it.
    public func withoutKeyframes() -> NumberParameter { NumberParameter(spec: spec.withoutKeyframes()) }

    /// The constant, or the keyframes' value at `time`.
    public func read(_ value: ParameterValue, at time: Double) -> Double {
        switch value {
        case .number(let number): return number
        case .keyframes(let track): return track.value(at: time)
        case .boolean, .text: unreachable(spec, value)
        }
    }
}

/// A whole number, constant or keyframed; reads as `Int` (interpolated keyframes are rounded).
public struct IntegerParameter: AnimatableParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// An integer parameter accepting any whole number.
    public init(_ name: String, default value: Int, unit: String? = nil, _ documentation: String) {
        self.init(name, value, nil, nil, unit, documentation)
    }

    /// An integer parameter accepting values in `range` (both ends included).
    public init(
        _ name: String, default value: Int, range: ClosedRange<Int>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, range.lowerBound, range.upperBound, unit, documentation)
    }

    /// An integer parameter accepting values from `range.lowerBound` up (`1...`).
    public init(
        _ name: String, default value: Int, range: PartialRangeFrom<Int>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, range.lowerBound, nil, unit, documentation)
    }

    /// An integer parameter accepting values up to `range.upperBound` (`...10`).
    public init(
        _ name: String, default value: Int, range: PartialRangeThrough<Int>, unit: String? = nil,
        _ documentation: String
    ) {
        self.init(name, value, nil, range.upperBound, unit, documentation)
    }

    private init(
        _ name: String, _ value: Int, _ minimum: Int?, _ maximum: Int?, _ unit: String?,
        _ documentation: String
    ) {
        spec = checkedSpec(.integer(name, default: value, min: minimum, max: maximum, unit: unit, documentation))
    }

    private init(spec: ParameterSpec) { self.spec = spec }

    /// The same parameter, taking no keyframes (`ParameterSpec.withoutKeyframes()`): for a number
    /// the effect reads once for the whole video (a seed). Hosts refuse keyframes for it.
    public func withoutKeyframes() -> IntegerParameter { IntegerParameter(spec: spec.withoutKeyframes()) }

    /// The constant, or the keyframes' value at `time` rounded to the nearest whole number.
    public func read(_ value: ParameterValue, at time: Double) -> Int {
        switch value {
        case .number(let number): return Int(number)
        case .keyframes(let track): return Int(track.value(at: time).rounded())
        case .boolean, .text: unreachable(spec, value)
        }
    }
}

/// On or off; reads as `Bool`.
public struct BooleanParameter: ConstantParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A boolean parameter.
    public init(_ name: String, default value: Bool, _ documentation: String) {
        spec = checkedSpec(.boolean(name, default: value, documentation))
    }

    /// The flag.
    public func read(_ value: ParameterValue, at time: Double) -> Bool {
        guard case .boolean(let flag) = value else { unreachable(spec, value) }
        return flag
    }
}

/// One of a fixed set of words, backed by a Swift enum; reads as that enum.
///
/// The words are the raw values of `Choice.allCases`, in declaration order:
///
/// ```swift
/// enum Mode: String, CaseIterable, Sendable { case relative, absolute }
/// static let mode = ChoiceParameter("mode", default: Mode.relative, "Add to the pose, or replace it.")
/// // …
/// if parameters[Self.mode] == .absolute { … }
/// ```
public struct ChoiceParameter<Choice>: ConstantParameter, Equatable
where Choice: RawRepresentable & CaseIterable & Sendable, Choice.RawValue == String {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A choice among the raw values of `Choice.allCases`; `value` is the default.
    public init(_ name: String, default value: Choice, _ documentation: String) {
        let words = Choice.allCases.map(\.rawValue)
        precondition(Set(words).count == words.count, "choice '\(name)' repeats a word: \(words)")
        spec = checkedSpec(.choice(name, words, default: value.rawValue, documentation))
    }

    /// The chosen case.
    public func read(_ value: ParameterValue, at time: Double) -> Choice {
        guard case .text(let word) = value, let choice = Choice(rawValue: word) else { unreachable(spec, value) }
        return choice
    }
}

/// Free text (a file path, a face selector…); reads as `String`.
public struct TextParameter: ConstantParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A text parameter.
    public init(_ name: String, default value: String, _ documentation: String) {
        spec = checkedSpec(.text(name, default: value, documentation))
    }

    /// The text.
    public func read(_ value: ParameterValue, at time: Double) -> String {
        guard case .text(let text) = value else { unreachable(spec, value) }
        return text
    }
}

/// A driving input: text naming a video, still image or motion file that the host analyses and
/// hands the effect as motion (`EffectContext.drivingInput(for:)`). Reads as the text given
/// (empty when no driver was named).
public struct DrivingInputParameter: ConstantParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A driving-input parameter; its default is empty (no driver).
    public init(_ name: String, _ documentation: String) {
        spec = checkedSpec(.drivingInput(name, documentation))
    }

    /// The text as given (a path; the host resolved it before the effect runs).
    public func read(_ value: ParameterValue, at time: Double) -> String {
        guard case .text(let text) = value else { unreachable(spec, value) }
        return text
    }
}

/// A transcript: the words the effect's audio says, or a path to a text file of them; the host
/// aligns them to the audio for `EffectContext.speech`. Reads as the text given (after the host
/// has read a named file, its contents).
public struct TranscriptParameter: ConstantParameter, Equatable {
    /// The parameter as the descriptor lists it.
    public let spec: ParameterSpec

    /// A transcript parameter; its default is empty (phones recognised from the audio).
    public init(_ name: String, _ documentation: String) {
        spec = checkedSpec(.transcript(name, documentation))
    }

    /// The text as given.
    public func read(_ value: ParameterValue, at time: Double) -> String {
        guard case .text(let text) = value else { unreachable(spec, value) }
        return text
    }
}

// MARK: - Reading through a declaration

extension EffectParameters {
    /// The value of `parameter` at `time` seconds (keyframes are interpolated).
    ///
    /// Stops the program with a message naming the parameter and the declared ones when
    /// `parameter` is not in the schema these values were validated against: that is a mistake
    /// in the effect (a declaration left out of its descriptor), found by the first test that
    /// creates the effect. `value(of:at:)` throws instead.
    public subscript<Parameter: AnimatableParameter>(parameter: Parameter, at time: Double) -> Parameter.Value {
        do {
            return try value(of: parameter, at: time)
        } catch {
            fatalError("FacetSDK: \(error.message)")
        }
    }

    /// The value of `parameter`, the same for the whole video.
    ///
    /// Stops the program with a message naming the parameter and the declared ones when
    /// `parameter` is not in the schema these values were validated against; `value(of:)`
    /// throws instead.
    public subscript<Parameter: ConstantParameter>(parameter: Parameter) -> Parameter.Value {
        do {
            return try value(of: parameter)
        } catch {
            fatalError("FacetSDK: \(error.message)")
        }
    }

    /// The value of `parameter` at `time` seconds; throws `EffectError.Code.unknownParameter`
    /// when the values were validated against a schema without it, or
    /// `EffectError.Code.invalidParameter` when that schema declares the name differently.
    public func value<Parameter: AnimatableParameter>(of parameter: Parameter, at time: Double)
        throws(EffectError) -> Parameter.Value
    {
        parameter.read(try validatedValue(declaredBy: parameter.spec), at: time)
    }

    /// The value of `parameter`; throws like `value(of:at:)`.
    public func value<Parameter: ConstantParameter>(of parameter: Parameter) throws(EffectError) -> Parameter.Value {
        parameter.read(try validatedValue(declaredBy: parameter.spec), at: 0)
    }

    /// Whether `parameter` is keyframed (always false for constant parameters). Stops the
    /// program, like the subscripts, when `parameter` is not in the schema.
    public func isAnimated(_ parameter: some ParameterDeclaration) -> Bool {
        do {
            if case .keyframes = try validatedValue(declaredBy: parameter.spec) { return true }
            return false
        } catch {
            fatalError("FacetSDK: \(error.message)")
        }
    }
}

// MARK: - Helpers

/// `spec`, after checking that its default is valid for it: a declaration with an impossible
/// default is a mistake in the effect, reported when the declaration is first used.
private func checkedSpec(_ spec: ParameterSpec) -> ParameterSpec {
    do {
        try spec.validate(spec.defaultValue)
    } catch {
        fatalError("FacetSDK: the default of parameter '\(spec.name)' is invalid: \(error.message)")
    }
    return spec
}

/// Reports a value that validation against `spec` should have ruled out.
private func unreachable(_ spec: ParameterSpec, _ value: ParameterValue) -> Never {
    fatalError("FacetSDK: '\(spec.name)' (\(spec.type.name)) holds \(value.kindDescription), which its validation rules out")
}
