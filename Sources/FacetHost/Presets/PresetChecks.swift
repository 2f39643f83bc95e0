import FacetSDK

/// Checks on an effect shared by preset files and the chain syntax, each reported at a location.
enum PresetChecks {
    /// Throws when `effect`'s version does not meet `requirement`, naming both.
    static func check(
        _ requirement: VersionRequirement, effect: EffectDescriptor,
        at location: SourceLocation
    ) throws(HostError) {
        guard requirement.isSatisfied(by: effect.version) else {
            throw HostError(
                .unknownEffect,
                "\(effect.id) is version \(effect.version), which does not meet the requirement \(requirement); expected a version matching \(requirement) (update the effect or change the requirement)",
                at: location)
        }
    }

    /// The parameter `name` of `effect`; the error lists the effect's parameters.
    static func parameter(
        _ name: String, of effect: EffectDescriptor,
        at location: SourceLocation
    ) throws(HostError) -> ParameterSpec {
        guard let spec = effect.parameter(named: name) else {
            let known = effect.parameters.map { "\($0.name) (\($0.type.name))" }.joined(separator: ", ")
            throw HostError(
                .invalidParameter,
                "\(effect.id) has no parameter \(DisplayText.quoted(name)); expected one of: \(known.isEmpty ? "(none)" : known)",
                at: location)
        }
        return spec
    }

    /// Validates the given values with the SDK and fills in defaults.
    static func parameters(
        _ given: [String: ParameterValue], of effect: EffectDescriptor,
        at location: SourceLocation
    ) throws(HostError) -> EffectParameters {
        do {
            return try EffectParameters(schema: effect.parameters, given: given)
        } catch {
            throw HostError(.invalidParameter, effect.id, at: location, cause: error)
        }
    }
}
