import FacetSDK

/// The effects a host knows, by reverse-DNS id; chains and presets name effects through it.
///
/// Names resolve by full id (`org.facet.direct-edit`) or, when unambiguous, by the id's last
/// component (`direct-edit`).
public struct EffectRegistry: Sendable {
    private var effectTypes: [String: any FaceEffect.Type] = [:]

    /// An empty registry.
    public init() {}

    /// The registry with every effect that ships with Facet.
    public static var builtIn: EffectRegistry {
        var registry = EffectRegistry()
        for effect in BuiltInEffects.all { try? registry.register(effect) }
        return registry
    }

    /// Adds an effect; throws when another effect already has its id.
    public mutating func register(_ effect: any FaceEffect.Type) throws(HostError) {
        let id = effect.descriptor.id
        guard effectTypes[id] == nil else {
            throw HostError(.invalidArguments, "two effects have the id '\(id)'; expected ids to be unique")
        }
        effectTypes[id] = effect
    }

    /// Every registered effect's descriptor, sorted by id.
    public var descriptors: [EffectDescriptor] {
        effectTypes.values.map { $0.descriptor }.sorted { $0.id < $1.id }
    }

    /// The effect called `name` (full id or unambiguous short name).
    public func effect(named name: String, at location: SourceLocation? = nil) throws(HostError) -> any FaceEffect.Type {
        if let exact = effectTypes[name] { return exact }
        let matches = effectTypes.values.filter { $0.descriptor.shortName == name }
        if matches.count == 1 { return matches[0] }
        let known = descriptors.map(\.id).joined(separator: ", ")
        if matches.count > 1 {
            let ids = matches.map { $0.descriptor.id }.sorted().joined(separator: ", ")
            throw HostError(.unknownEffect, "effect name '\(name)' is ambiguous; expected one of the full ids: \(ids)", at: location)
        }
        throw HostError(.unknownEffect, "unknown effect '\(name)'; expected one of: \(known.isEmpty ? "(no effects loaded)" : known)", at: location)
    }
}
