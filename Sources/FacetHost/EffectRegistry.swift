import FacetSDK
import Foundation

/// Makes instances of one effect: a built-in `FaceEffect` type or an effect in a plugin library.
public struct EffectFactory: Sendable {
    /// Where an effect comes from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// Linked into the host (the effects under `Plugins/`).
        case builtIn
        /// Loaded at run time from this shared library.
        case plugin(URL)

        /// `built-in` or `plugin <path>`.
        public var description: String {
            switch self {
            case .builtIn: return "built-in"
            case .plugin(let url): return "plugin \(url.path)"
            }
        }
    }

    /// The effect's identity, version and parameter schema.
    public let descriptor: EffectDescriptor
    /// Where the effect comes from.
    public let origin: Origin
    private let make: @Sendable (EffectParameters) throws -> any FaceEffect

    /// A factory for a `FaceEffect` type linked into the host.
    public init(_ effect: any FaceEffect.Type) {
        self.descriptor = effect.descriptor
        self.origin = .builtIn
        self.make = { parameters in try effect.init(parameters: parameters) }
    }

    /// A factory with its own way of making instances (used for plugin libraries).
    public init(
        descriptor: EffectDescriptor, origin: Origin,
        make: @escaping @Sendable (EffectParameters) throws -> any FaceEffect
    ) {
        self.descriptor = descriptor
        self.origin = origin
        self.make = make
    }

    /// Creates an instance from validated parameters.
    public func instantiate(_ parameters: EffectParameters) throws -> any FaceEffect {
        try make(parameters)
    }

    /// Whether two factories make the same effect (same id, version and origin).
    public func isSameEffect(as other: EffectFactory) -> Bool {
        descriptor.id == other.descriptor.id && descriptor.version == other.descriptor.version && origin == other.origin
    }
}

/// The effects a host knows, by reverse-DNS id; chains and presets name effects through it.
///
/// Names resolve by full id (`org.facet.direct-edit`) or, when unambiguous, by the id's last
/// component (`direct-edit`).
public struct EffectRegistry: Sendable {
    private var factories: [String: EffectFactory] = [:]

    /// An empty registry.
    public init() {}

    /// The registry with every effect that ships with Facet (no run-time plugins).
    public static var builtIn: EffectRegistry {
        var registry = EffectRegistry()
        for effect in BuiltInEffects.all { try? registry.register(EffectFactory(effect)) }
        return registry
    }

    /// The built-in effects plus the plugins found in `PluginLoader.searchDirectories`; plugins
    /// that fail to load, or whose id is taken, are returned as problems to show the user.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (registry: EffectRegistry, problems: [HostError])
    {
        var registry = builtIn
        let path = PluginLoader.searchPath(environment: environment)
        let loaded = PluginLoader.loadAll(
            from: path.directories,
            allowWritable: environment[PluginLoader.allowWritableVariable] == "1")
        var problems = path.problems + loaded.errors
        for factory in loaded.effects {
            do {
                try registry.register(factory)
            } catch {
                problems.append(error)
            }
        }
        return (registry, problems)
    }

    /// Adds a built-in effect type; throws when another effect already has its id.
    public mutating func register(_ effect: any FaceEffect.Type) throws(HostError) {
        try register(EffectFactory(effect))
    }

    /// Adds an effect; throws when another effect already has its id.
    public mutating func register(_ factory: EffectFactory) throws(HostError) {
        let id = factory.descriptor.id
        if let existing = factories[id] {
            throw HostError(
                .invalidArguments,
                "two effects have the id '\(id)' (\(existing.origin) and \(factory.origin)); expected ids to be unique, keeping the first")
        }
        factories[id] = factory
    }

    /// Every registered effect's factory, sorted by id.
    public var all: [EffectFactory] {
        factories.values.sorted { $0.descriptor.id < $1.descriptor.id }
    }

    /// Every registered effect's descriptor, sorted by id.
    public var descriptors: [EffectDescriptor] { all.map(\.descriptor) }

    /// The effect called `name` (full id or unambiguous short name).
    public func effect(named name: String, at location: SourceLocation? = nil) throws(HostError) -> EffectFactory {
        if let exact = factories[name] { return exact }
        let matches = factories.values.filter { $0.descriptor.shortName == name }
        if matches.count == 1 { return matches[0] }
        let known = descriptors.map(\.id).joined(separator: ", ")
        if matches.count > 1 {
            let ids = matches.map(\.descriptor.id).sorted().joined(separator: ", ")
            throw HostError(
                .unknownEffect, "effect name \(DisplayText.quoted(name)) is ambiguous; expected one of the full ids: \(ids)", at: location)
        }
        let names = descriptors.flatMap { [$0.id, $0.shortName] }
        if let hint = DisplayText.lookAlikeHint(for: name, candidates: names) {
            throw HostError(.unknownEffect, "unknown effect \(DisplayText.quoted(name)); \(hint)", at: location)
        }
        throw HostError(
            .unknownEffect, "unknown effect \(DisplayText.quoted(name)); expected one of: \(known.isEmpty ? "(no effects loaded)" : known)",
            at: location)
    }
}
