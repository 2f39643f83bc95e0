// Chains of effects: what a preset file or a `--chain` argument resolves to.
//
// A chain is validated as a whole before any video is decoded: every effect exists, satisfies
// its version requirement, and every parameter has a valid value (defaults filled in).

import FacetSDK

/// One effect in a chain, resolved and validated.
public struct EffectInvocation: Sendable, Equatable, CustomStringConvertible {
    /// The effect to instantiate (a built-in type or a plugin's effect).
    public let effect: EffectFactory
    /// Validated parameter values, defaults filled in.
    public let parameters: EffectParameters
    /// The version requirement written with the effect, if any (already checked against `effect`).
    public let versionRequirement: VersionRequirement?
    /// Where the effect was written (preset item or `--chain` token); nil for chains built in code.
    public let location: SourceLocation?

    /// Creates an invocation from already validated parameters.
    public init(
        effect: EffectFactory, parameters: EffectParameters,
        versionRequirement: VersionRequirement? = nil, location: SourceLocation? = nil
    ) {
        self.effect = effect
        self.parameters = parameters
        self.versionRequirement = versionRequirement
        self.location = location
    }

    /// Creates an invocation, validating `given` against the effect's schema.
    public init(
        effect: EffectFactory, given: [String: ParameterValue],
        location: SourceLocation? = nil
    ) throws(HostError) {
        do {
            let parameters = try EffectParameters(schema: effect.descriptor.parameters, given: given)
            self.init(effect: effect, parameters: parameters, location: location)
        } catch {
            throw HostError(.invalidParameter, effect.descriptor.id, at: location, cause: error)
        }
    }

    /// The effect's descriptor.
    public var descriptor: EffectDescriptor { effect.descriptor }

    /// Creates the effect; an error thrown by its initialiser is wrapped with this invocation's location.
    public func instantiate() throws(HostError) -> any FaceEffect {
        do {
            return try effect.instantiate(parameters)
        } catch let error as EffectError {
            throw HostError(.invalidParameter, "\(descriptor.id) rejected its parameters", at: location, cause: error)
        } catch {
            throw HostError(
                .effectFailed, "\(descriptor.id) could not be created; expected it to accept validated parameters",
                at: location, cause: error)
        }
    }

    /// The parameters whose value differs from the schema default, in schema order.
    public var nonDefaultParameters: [(spec: ParameterSpec, value: ParameterValue)] {
        descriptor.parameters.compactMap { spec in
            guard let value = parameters.values[spec.name], value != spec.defaultValue else { return nil }
            return (spec, value)
        }
    }

    /// This effect in the one-line chain syntax, e.g. `org.facet.direct-edit:yaw=15`.
    ///
    /// The full id is used so that the text resolves the same way whatever else is loaded.
    public var description: String {
        var text = descriptor.id
        if let versionRequirement { text += "@" + versionRequirement.description }
        for (spec, value) in nonDefaultParameters {
            text += ":" + spec.name + "=" + ValueSyntax.chainText(of: value)
        }
        return text
    }

    /// Same effect type, parameters and version requirement; the location is not compared.
    public static func == (lhs: EffectInvocation, rhs: EffectInvocation) -> Bool {
        lhs.effect.isSameEffect(as: rhs.effect)
            && lhs.parameters == rhs.parameters
            && lhs.versionRequirement == rhs.versionRequirement
    }
}

/// An ordered list of effects; each processes the motion the previous one produced.
public struct EffectChain: Sendable, Equatable, CustomStringConvertible {
    /// The effects in processing order.
    public var invocations: [EffectInvocation]

    /// Creates a chain.
    public init(invocations: [EffectInvocation] = []) {
        self.invocations = invocations
    }

    /// The chain that changes nothing (pass-through).
    public static let empty = EffectChain()

    /// Whether the chain has no effects (the video's motion passes through unchanged).
    public var isEmpty: Bool { invocations.isEmpty }

    /// The time in seconds of the latest keyframe over every effect (0 when nothing is keyframed).
    public var animationEndTime: Double {
        invocations.reduce(0) { max($0, $1.parameters.animationEndTime) }
    }

    /// Creates every effect in order; the first failure is reported with its location.
    public func instantiate() throws(HostError) -> [any FaceEffect] {
        var effects: [any FaceEffect] = []
        for invocation in invocations { effects.append(try invocation.instantiate()) }
        return effects
    }

    /// The chain in the one-line syntax (`a:k=v | b`); `ChainParser.parse` reads it back to an
    /// equal chain. Empty for the empty chain.
    public var description: String {
        invocations.map(\.description).joined(separator: " | ")
    }
}
