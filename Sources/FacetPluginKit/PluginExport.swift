// The plugin side of the run-time plugin boundary: turns ordinary `FaceEffect` types into the
// C table of facet_plugin.h. A plugin library adds one function:
//
//     @_cdecl("facet_plugin_entry")
//     public func facetPluginEntry(_ hostAPIVersion: UInt32) -> UnsafeRawPointer? {
//         FacetPluginExport.entry(
//             hostAPIVersion: hostAPIVersion, plugin: PluginIdentity(id: "com.example.tools", version: EffectVersion(1)),
//             effects: [MyEffect.self])
//     }

@_exported import CFacetPlugin
@_exported import FacetSDK
import Foundation

/// The identity a plugin library states in its table, readable by a host without parsing any
/// JSON or creating an effect (`facet plugins info`).
public struct PluginIdentity: Sendable, Equatable {
    /// Reverse-DNS id of the library, e.g. `com.example.tools`; its effects' ids usually extend it.
    public var id: String
    /// The library's version (semantic versioning).
    public var version: EffectVersion

    /// Creates an identity.
    public init(id: String, version: EffectVersion) {
        self.id = id
        self.version = version
    }
}

/// Exports a plugin library's effects to a Facet host through the C ABI of `facet_plugin.h`.
public enum FacetPluginExport {
    /// The ABI version this kit implements (`FACET_PLUGIN_API_VERSION`): the one version a
    /// plugin and a host agree on. The host passes its own to the entry function, the table
    /// reports this one in `api_version`, and the host refuses a table of another version.
    ///
    /// The SDK has no version number of its own to check here: what crosses the boundary is the
    /// JSON of its Codable types, which this ABI version covers, while its Swift API is versioned
    /// by the package's semantic version, which SwiftPM checks when a plugin is built.
    public static let apiVersion = UInt32(FACET_PLUGIN_API_VERSION)

    /// The additions within `apiVersion` this kit knows (`FACET_PLUGIN_API_MINOR`), stated in
    /// the table's `api_minor`.
    public static let apiMinor = UInt32(FACET_PLUGIN_API_MINOR)

    /// Registers `effects` under `plugin`'s identity and returns the table for the host, or nil
    /// when the host speaks another API version (the host then reports both versions).
    public static func entry(hostAPIVersion: UInt32, plugin: PluginIdentity, effects: [any FaceEffect.Type]) -> UnsafeRawPointer? {
        guard hostAPIVersion == apiVersion else { return nil }
        return Exported.shared.install(effects, identity: plugin)
    }

    /// Registers `effects` and returns the table, stating the first effect's id and version as
    /// the library's identity. Prefer `entry(hostAPIVersion:plugin:effects:)`, which names it.
    public static func entry(hostAPIVersion: UInt32, effects: [any FaceEffect.Type]) -> UnsafeRawPointer? {
        let first = effects.first?.descriptor
        return entry(
            hostAPIVersion: hostAPIVersion,
            plugin: PluginIdentity(id: first?.id ?? "unnamed.plugin", version: first?.version ?? EffectVersion(0)),
            effects: effects)
    }
}

/// The exported state: effect types, their descriptor strings and the C table. Set once, before
/// the table is handed out, then only read.
private final class Exported: @unchecked Sendable {
    // Safe to share: `install` runs under `lock` and the table is published only after it.
    static let shared = Exported()

    private let lock = NSLock()
    fileprivate var effects: [any FaceEffect.Type] = []
    fileprivate var descriptorStrings: [UnsafeMutablePointer<CChar>] = []
    private var table: UnsafeMutablePointer<FacetPluginAPI>?

    private var identityStrings: [UnsafeMutablePointer<CChar>] = []

    func install(_ effects: [any FaceEffect.Type], identity: PluginIdentity) -> UnsafeRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        if let table { return UnsafeRawPointer(table) }
        self.effects = effects
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        descriptorStrings = effects.map { effect in
            let json = (try? encoder.encode(effect.descriptor)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return strdup(json)!
        }
        identityStrings = [strdup(identity.id)!, strdup(identity.version.description)!]
        let api = UnsafeMutablePointer<FacetPluginAPI>.allocate(capacity: 1)
        api.initialize(
            to: FacetPluginAPI(
                api_version: FacetPluginExport.apiVersion,
                struct_size: UInt32(MemoryLayout<FacetPluginAPI>.size),
                effect_count: Int32(effects.count),
                describe: exportedDescribe,
                create: exportedCreate,
                process: exportedProcess,
                destroy: exportedDestroy,
                free_string: exportedFreeString,
                plugin_id: UnsafePointer(identityStrings[0]),
                plugin_version: UnsafePointer(identityStrings[1]),
                api_minor: FacetPluginExport.apiMinor))
        table = api
        return UnsafeRawPointer(api)
    }
}

/// One live effect instance behind an opaque pointer.
private final class Instance {
    let effect: any FaceEffect
    init(_ effect: any FaceEffect) { self.effect = effect }
}

/// Copies `text` into a C string the host frees with `free_string`.
private func hand(_ text: String, to out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    out?.pointee = strdup(text)
}

// MARK: - The C entry points

private let exportedDescribe: @convention(c) (Int32) -> UnsafePointer<CChar>? = { index in
    let strings = Exported.shared.descriptorStrings
    guard index >= 0, Int(index) < strings.count else { return nil }
    return UnsafePointer(strings[Int(index)])
}

private let exportedCreate:
    @convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> UnsafeMutableRawPointer? = {
        index, parametersJSON, errorOut in
        let effects = Exported.shared.effects
        guard index >= 0, Int(index) < effects.count else {
            hand("effect index \(index) is out of range; expected 0..<\(effects.count)", to: errorOut)
            return nil
        }
        let effect = effects[Int(index)]
        // The host names the effect and the library around this message, so it names neither.
        let given: [String: ParameterValue]
        do {
            given = try JSONDecoder().decode(
                [String: ParameterValue].self,
                from: Data((parametersJSON.map { String(cString: $0) } ?? "{}").utf8))
        } catch {
            hand("the parameters JSON could not be read (\(error))", to: errorOut)
            return nil
        }
        do {
            let parameters = try EffectParameters(schema: effect.descriptor.parameters, given: given)
            let instance = Instance(try effect.init(parameters: parameters))
            return Unmanaged.passRetained(instance).toOpaque()
        } catch {
            hand("\(error)", to: errorOut)
            return nil
        }
    }

private let exportedProcess:
    @convention(c) (
        UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<FacetHostContext>?,
        UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> Int32 = { instancePointer, motionJSON, context, motionOut, errorOut in
        guard let instancePointer, let motionJSON else {
            hand("process needs an instance and motion; got a null pointer", to: errorOut)
            return 1
        }
        let instance = Unmanaged<Instance>.fromOpaque(instancePointer).takeUnretainedValue()
        do {
            var motion = try JSONDecoder().decode(SceneMotion.self, from: Data(String(cString: motionJSON).utf8))
            try instance.effect.process(&motion, context: effectContext(from: context))
            hand(String(decoding: try JSONEncoder().encode(motion), as: UTF8.self), to: motionOut)
            return 0
        } catch {
            // The host names the effect and the plugin around this message ("effect ID of plugin … failed").
            hand("\(error)", to: errorOut)
            return 1
        }
    }

private let exportedDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instancePointer in
    guard let instancePointer else { return }
    Unmanaged<Instance>.fromOpaque(instancePointer).release()
}

private let exportedFreeString: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { string in
    free(string)
}

/// Rebuilds the SDK's `EffectContext` from the host's C context. A JSON input the kit cannot read
/// (a host newer than this SDK, or a broken one) is left out, and the host is told through
/// `warn`, so the effect reports the input as missing and the user sees why.
///
/// The context is read field by field through its pointer, never copied whole: an older host's
/// context is smaller than this SDK's `FacetHostContext`, so a copy would read past its end.
private func effectContext(from pointer: UnsafePointer<FacetHostContext>?) -> EffectContext {
    guard let pointer else { return EffectContext() }
    let context = HostContext(pointer)
    var audio: AudioClip?
    if let samples = context.audio_samples, context.audio_sample_count > 0 {
        audio = AudioClip(
            sampleRate: Int(context.audio_sample_rate),
            samples: Array(UnsafeBufferPointer(start: samples, count: Int(context.audio_sample_count))),
            startTime: context.audio_start_time)
    }
    let warnFunction = context.warn
    let hostData = UInt(bitPattern: context.host_data)
    let warn: @Sendable (String) -> Void = { message in
        warnFunction?(UnsafeMutableRawPointer(bitPattern: hostData), message)
    }
    var faceModel: FaceModelDescription?
    let modelFieldEnd =
        MemoryLayout<FacetHostContext>.offset(of: \FacetHostContext.face_model_json)!
        + MemoryLayout<UnsafePointer<CChar>?>.size
    if Int(context.struct_size) >= modelFieldEnd, let json = context.face_model_json {
        faceModel = decodeHostJSON(FaceModelDescription.self, json, field: "face_model_json", warn: warn)
    }
    return EffectContext(
        audio: audio, faceModel: faceModel, drivingInputs: drivingInputs(from: context, warn: warn),
        speech: speech(from: context, warn: warn), warn: warn)
}

/// Decodes one JSON string of the host context; on failure warns, naming the field and the
/// decoder's reason, and returns nil.
private func decodeHostJSON<T: Decodable>(
    _ type: T.Type, _ json: UnsafePointer<CChar>, field: String, warn: (String) -> Void
) -> T? {
    do {
        return try JSONDecoder().decode(type, from: Data(String(cString: json).utf8))
    } catch {
        warn("FacetPluginKit could not read the host's \(field) (\(error)); the effect runs without it")
        return nil
    }
}

/// The speech of a host context, when the host is new enough to send it (its `struct_size` covers
/// `speech_json`) and sent one; nil when it cannot be read, so the effect sees no speech.
private func speech(from context: HostContext, warn: (String) -> Void) -> SpeechInput? {
    let end = MemoryLayout<FacetHostContext>.offset(of: \FacetHostContext.speech_json)! + MemoryLayout<UnsafePointer<CChar>?>.size
    guard Int(context.struct_size) >= end, let json = context.speech_json else { return nil }
    return decodeHostJSON(SpeechInput.self, json, field: "speech_json", warn: warn)
}

/// The driving inputs of a host context, when the host is new enough to send them (its
/// `struct_size` covers `driving_input_count`); entries that cannot be read are left out, so
/// the effect reports the input as missing.
private func drivingInputs(from context: HostContext, warn: (String) -> Void) -> [String: DrivingInput] {
    let countEnd =
        MemoryLayout<FacetHostContext>.offset(of: \FacetHostContext.driving_input_count)! + MemoryLayout<Int32>.size
    guard Int(context.struct_size) >= countEnd, let list = context.driving_inputs, context.driving_input_count > 0 else { return [:] }
    let audioEnd = MemoryLayout<FacetDrivingInput>.offset(of: \FacetDrivingInput.audio_start_time)! + MemoryLayout<Double>.size
    var result: [String: DrivingInput] = [:]
    for index in 0..<Int(context.driving_input_count) {
        guard let entryPointer = list[index] else { continue }
        let entry = FieldReader(entryPointer)
        guard let parameter = entry.parameter, let json = entry.input_json else { continue }
        let name = String(cString: parameter)
        guard var input = decodeHostJSON(DrivingInput.self, json, field: "driving input '\(name)'", warn: warn) else { continue }
        if Int(entry.struct_size) >= audioEnd, let samples = entry.audio_samples, entry.audio_sample_count > 0 {
            input.audio = AudioClip(
                sampleRate: Int(entry.audio_sample_rate),
                samples: Array(UnsafeBufferPointer(start: samples, count: Int(entry.audio_sample_count))),
                startTime: entry.audio_start_time)
        }
        result[name] = input
    }
    return result
}

/// A host struct seen through its pointer: each field is loaded on its own, which is safe for the
/// fields the struct's `struct_size` covers even when the host's struct is smaller than this SDK's.
@dynamicMemberLookup
private struct FieldReader<Struct> {
    let pointer: UnsafePointer<Struct>
    init(_ pointer: UnsafePointer<Struct>) { self.pointer = pointer }
    subscript<Value>(dynamicMember field: KeyPath<Struct, Value>) -> Value { pointer.pointer(to: field)!.pointee }
}

private typealias HostContext = FieldReader<FacetHostContext>
