// JSON forms of descriptors and parameter values: how effects built separately describe
// themselves to the host across the plugin boundary (see Docs/Plugins.md), and how a host hands
// them validated parameters. Field names are part of the plugin ABI: add, never rename.

import Foundation

extension ParameterType: Codable {
    private enum CodingKeys: String, CodingKey { case name, options }

    /// Decodes `{"name": "number"}` or `{"name": "choice", "options": [...]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        switch name {
        case "number": self = .number
        case "integer": self = .integer
        case "boolean": self = .boolean
        case "text": self = .text
        case "choice": self = .choice(try container.decode([String].self, forKey: .options))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: container,
                debugDescription: "unknown parameter type '\(name)'; expected number, integer, boolean, choice or text")
        }
    }

    /// Encodes the type's name and, for choices, its options.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if case .choice(let options) = self { try container.encode(options, forKey: .options) }
    }
}

extension ParameterValue: Codable {
    private enum CodingKeys: String, CodingKey { case number, boolean, text, keyframes }

    /// Decodes exactly one of `number`, `boolean`, `text` or `keyframes`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let number = try container.decodeIfPresent(Double.self, forKey: .number) {
            self = .number(number)
        } else if let flag = try container.decodeIfPresent(Bool.self, forKey: .boolean) {
            self = .boolean(flag)
        } else if let text = try container.decodeIfPresent(String.self, forKey: .text) {
            self = .text(text)
        } else if let keyframes = try container.decodeIfPresent([Keyframe].self, forKey: .keyframes) {
            do {
                self = .keyframes(try KeyframeTrack(keyframes))
            } catch {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: container.codingPath + [CodingKeys.keyframes], debugDescription: "invalid keyframes",
                        underlyingError: error))
            }
        } else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected one of number, boolean, text or keyframes"))
        }
    }

    /// Encodes the value under the key naming its kind.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .number(let number): try container.encode(number, forKey: .number)
        case .boolean(let flag): try container.encode(flag, forKey: .boolean)
        case .text(let text): try container.encode(text, forKey: .text)
        case .keyframes(let track): try container.encode(track.keyframes, forKey: .keyframes)
        }
    }
}

extension ParameterSpec: Codable {
    private enum CodingKeys: String, CodingKey { case name, type, defaultValue, minimum, maximum, unit, documentation, role, keyframable }

    /// Decodes a parameter and checks that its default is valid for it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            type: try container.decode(ParameterType.self, forKey: .type),
            defaultValue: try container.decode(ParameterValue.self, forKey: .defaultValue),
            minimum: try container.decodeIfPresent(Double.self, forKey: .minimum),
            maximum: try container.decodeIfPresent(Double.self, forKey: .maximum),
            unit: try container.decodeIfPresent(String.self, forKey: .unit),
            documentation: try container.decodeIfPresent(String.self, forKey: .documentation) ?? "",
            role: try container.decodeIfPresent(ParameterRole.self, forKey: .role),
            keyframable: try container.decodeIfPresent(Bool.self, forKey: .keyframable) ?? true)
        do {
            try validate(defaultValue)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: container.codingPath + [CodingKeys.defaultValue], debugDescription: "the default is invalid",
                    underlyingError: error))
        }
    }

    /// Encodes every field; `keyframable` only when false for a number (absent means the type's
    /// rule, so descriptors of earlier SDKs read the same).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(defaultValue, forKey: .defaultValue)
        try container.encodeIfPresent(minimum, forKey: .minimum)
        try container.encodeIfPresent(maximum, forKey: .maximum)
        try container.encodeIfPresent(unit, forKey: .unit)
        try container.encode(documentation, forKey: .documentation)
        try container.encodeIfPresent(role, forKey: .role)
        if type.isAnimatable && !isKeyframable { try container.encode(false, forKey: .keyframable) }
    }
}

extension TemporalAccess: Codable {
    private enum CodingKeys: String, CodingKey { case kind, behind, ahead }

    /// Decodes `{"kind": "perFrame" | "window" | "wholeSequence", "behind": n, "ahead": n}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "perFrame": self = .perFrame
        case "wholeSequence": self = .wholeSequence
        case "window":
            self = .window(
                behind: try container.decode(Int.self, forKey: .behind),
                ahead: try container.decode(Int.self, forKey: .ahead))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown temporal access '\(other)'; expected perFrame, window or wholeSequence")
        }
    }

    /// Encodes the kind and, for windows, its extent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .perFrame: try container.encode("perFrame", forKey: .kind)
        case .wholeSequence: try container.encode("wholeSequence", forKey: .kind)
        case .window(let behind, let ahead):
            try container.encode("window", forKey: .kind)
            try container.encode(behind, forKey: .behind)
            try container.encode(ahead, forKey: .ahead)
        }
    }
}

extension EffectDescriptor: Codable {
    private enum CodingKeys: String, CodingKey { case id, version, summary, parameters, temporalAccess, inputs }
    private enum InputName: String, Codable, CaseIterable {
        case audio
        case drivingAudio = "driving-audio"
        case speech

        var input: EffectInputs {
            switch self {
            case .audio: return .audio
            case .drivingAudio: return .drivingAudio
            case .speech: return .speech
            }
        }
    }

    /// Decodes a descriptor; `inputs` is a list of names (`["audio"]`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var inputs: EffectInputs = []
        for name in try container.decodeIfPresent([InputName].self, forKey: .inputs) ?? [] {
            inputs.insert(name.input)
        }
        self.init(
            id: try container.decode(String.self, forKey: .id),
            version: try container.decode(EffectVersion.self, forKey: .version),
            summary: try container.decode(String.self, forKey: .summary),
            parameters: try container.decode([ParameterSpec].self, forKey: .parameters),
            temporalAccess: try container.decode(TemporalAccess.self, forKey: .temporalAccess),
            inputs: inputs)
    }

    /// Encodes every field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(summary, forKey: .summary)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(temporalAccess, forKey: .temporalAccess)
        try container.encode(InputName.allCases.filter { inputs.contains($0.input) }, forKey: .inputs)
    }
}
