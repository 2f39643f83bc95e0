// The host side of the run-time plugin boundary (Sources/CFacetPlugin/include/facet_plugin.h):
// finds plugin libraries, checks their API version, reads their descriptors and wraps each
// effect so the pipeline runs it like a built-in one.

import CFacetPlugin
import FacetSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds and loads effect plugins built separately (shared libraries exporting `facet_plugin_entry`).
public enum PluginLoader {
    /// The API version this host speaks.
    public static let hostAPIVersion = UInt32(FACET_PLUGIN_API_VERSION)

    /// The environment variable that, set to 1, lets plugins load from world-writable files and
    /// directories (anyone on the machine could replace them; refused otherwise).
    public static let allowWritableVariable = "FACET_ALLOW_WRITABLE_PLUGINS"

    /// The directories searched, in order: `$FACET_PLUGIN_PATH` (colon-separated, absolute paths
    /// only), the user's `$XDG_DATA_HOME/facet/plugins` (or `~/.local/share/facet/plugins`), and
    /// `<executable>/../lib/facet/plugins` for installed builds.
    public static func searchDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        searchPath(environment: environment).directories
    }

    /// The directories searched and the `$FACET_PLUGIN_PATH` entries refused: a relative entry
    /// would depend on the directory facet happens to be started in, so it is ignored with a
    /// warning naming it.
    public static func searchPath(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> (directories: [URL], problems: [HostError])
    {
        var directories: [URL] = []
        var problems: [HostError] = []
        for entry in (environment["FACET_PLUGIN_PATH"] ?? "").split(separator: ":") where !entry.isEmpty {
            guard entry.hasPrefix("/") else {
                problems.append(
                    HostError(
                        .pluginFailed,
                        "FACET_PLUGIN_PATH entry \(DisplayText.quoted(String(entry))) is a relative path and is ignored; expected absolute directories (e.g. $PWD/\(DisplayText.escaped(String(entry))))"
                    ))
                continue
            }
            directories.append(URL(fileURLWithPath: String(entry)))
        }
        if let dataHome = environment["XDG_DATA_HOME"], !dataHome.isEmpty {
            directories.append(URL(fileURLWithPath: dataHome).appendingPathComponent("facet/plugins"))
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(URL(fileURLWithPath: home).appendingPathComponent(".local/share/facet/plugins"))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent().appendingPathComponent("../lib/facet/plugins").standardizedFileURL)
        return (directories, problems)
    }

    /// Loads every `*.so` in `directories`. A plugin that fails to load does not stop the others:
    /// its error is returned beside the effects that did load. Only regular files are opened (a
    /// FIFO or device named `libX.so` would block or worse); world-writable files and directories
    /// are refused unless `allowWritable` (`$FACET_ALLOW_WRITABLE_PLUGINS=1`).
    public static func loadAll(
        from directories: [URL],
        allowWritable: Bool = ProcessInfo.processInfo.environment[allowWritableVariable] == "1"
    )
        -> (effects: [EffectFactory], errors: [HostError])
    {
        var effects: [EffectFactory] = []
        var errors: [HostError] = []
        for directory in survey(directories, allowWritable: allowWritable) {
            errors += directory.errors
            effects += directory.plugins.flatMap(\.factories)
        }
        return (effects, errors)
    }

    /// What each of `directories` holds, in order, with the same rules as `loadAll`: the plugins
    /// that loaded and the errors of those that did not (`facet plugins list`). A library reached
    /// twice (a symbolic link) is listed once, where it is first found.
    public static func survey(
        _ directories: [URL],
        allowWritable: Bool = ProcessInfo.processInfo.environment[allowWritableVariable] == "1"
    ) -> [PluginDirectory] {
        var listings: [PluginDirectory] = []
        var seen = Set<String>()
        for directory in directories {
            var listing = PluginDirectory(url: directory, exists: false, plugins: [], errors: [])
            defer { listings.append(listing) }
            var directoryStatus = stat()
            guard stat(directory.path, &directoryStatus) == 0, directoryStatus.st_mode & S_IFMT == S_IFDIR else { continue }
            listing.exists = true
            if !allowWritable, let problem = writableProblem(directoryStatus, path: directory.path, what: "plugin directory") {
                listing.errors.append(problem)
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".so") {
                let url = directory.appendingPathComponent(name).resolvingSymlinksInPath()
                guard seen.insert(url.path).inserted else { continue }
                var status = stat()
                guard stat(url.path, &status) == 0 else {
                    listing.errors.append(HostError(.pluginFailed, "cannot read plugin \(url.path): \(String(cString: strerror(errno)))"))
                    continue
                }
                guard status.st_mode & S_IFMT == S_IFREG else {
                    listing.errors.append(
                        HostError(
                            .pluginFailed,
                            "plugin \(url.path) is not a regular file (a FIFO, device or directory) and is not opened; expected a shared library"
                        ))
                    continue
                }
                if !allowWritable, let problem = writableProblem(status, path: url.path, what: "plugin") {
                    listing.errors.append(problem)
                    continue
                }
                do {
                    listing.plugins.append(try open(library: url))
                } catch {
                    listing.errors.append(error)
                }
            }
        }
        return listings
    }

    /// A refusal when anyone may write the file or directory (a sticky directory like /tmp too:
    /// anyone may add a library there).
    private static func writableProblem(_ status: stat, path: String, what: String) -> HostError? {
        guard status.st_mode & S_IWOTH != 0 else { return nil }
        return HostError(
            .pluginFailed,
            "the \(what) \(path) is writable by every user, so anyone could replace what facet runs; it is not loaded. Fix it with `chmod o-w \(path)` (or set \(allowWritableVariable)=1 to load it anyway)"
        )
    }

    /// Loads one plugin library and returns a factory for each of its effects.
    public static func load(library url: URL) throws(HostError) -> [EffectFactory] {
        try open(library: url).factories
    }

    /// Loads one plugin library: what it says of itself, and a factory for each of its effects.
    public static func open(library url: URL) throws(HostError) -> LoadedPlugin {
        let library = try openTable(library: url)
        let api = library.api
        var factories: [EffectFactory] = []
        for index in 0..<max(0, api.pointee.effect_count) {
            guard let text = library.descriptorJSON(index) else {
                throw HostError(.pluginFailed, "\(url.path) gave no descriptor for effect \(index)")
            }
            let descriptor: EffectDescriptor
            do {
                descriptor = try JSONDecoder().decode(EffectDescriptor.self, from: Data(text.utf8))
            } catch {
                throw HostError(.pluginFailed, "\(url.path) effect \(index) has an invalid descriptor", cause: error)
            }
            factories.append(
                EffectFactory(descriptor: descriptor, origin: .plugin(url)) { parameters in
                    try PluginEffectInstance(library: library, index: index, descriptor: descriptor, parameters: parameters)
                })
        }
        return LoadedPlugin(info: library.info, factories: factories)
    }

    /// Opens a library and checks its table (the entry symbol, the API version, every function
    /// of the first release), without reading any descriptor: what `open` and `facet plugins
    /// check` share.
    static func openTable(library url: URL) throws(HostError) -> PluginLibrary {
        guard let handle = dlopen(url.path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw HostError(.pluginFailed, "cannot load plugin \(url.path): \(reason); expected a shared library built for this system")
        }
        // Plugins are never unloaded: dlclose of Swift code is unsafe.
        guard let symbol = dlsym(handle, FACET_PLUGIN_ENTRY_SYMBOL) else {
            throw HostError(
                .pluginFailed, "\(url.path) has no \(FACET_PLUGIN_ENTRY_SYMBOL) function; expected a Facet plugin (see Docs/Plugins.md)")
        }
        let entry = unsafeBitCast(symbol, to: FacetPluginEntryFunction.self)
        guard let api = entry(hostAPIVersion) else {
            throw HostError(
                .pluginFailed,
                "\(url.path) does not support plugin API version \(hostAPIVersion) (this host's); expected a plugin rebuilt against this Facet"
            )
        }
        guard api.pointee.api_version == hostAPIVersion else {
            throw HostError(
                .pluginFailed,
                "\(url.path) speaks plugin API version \(api.pointee.api_version) but this host speaks \(hostAPIVersion); expected the same version"
            )
        }
        guard Int(api.pointee.struct_size) >= firstTableSize,
            api.pointee.describe != nil, api.pointee.create != nil, api.pointee.process != nil,
            api.pointee.destroy != nil, api.pointee.free_string != nil
        else {
            throw HostError(.pluginFailed, "\(url.path) returned an incomplete plugin table; expected every function of facet_plugin.h")
        }
        let identity = tableIdentity(api)
        let info = PluginLibraryInfo(
            url: url, apiVersion: api.pointee.api_version, apiMinor: identity?.minor, id: identity?.id,
            version: identity?.version, effectCount: Int(api.pointee.effect_count))
        return PluginLibrary(info: info, api: api)
    }

    /// The size of the first release's table (`FACET_PLUGIN_API_FIRST_SIZE`): every host needs
    /// its functions; later fields are optional.
    static let firstTableSize =
        MemoryLayout<FacetPluginAPI>.offset(of: \FacetPluginAPI.free_string)! + MemoryLayout<UnsafeRawPointer>.size

    /// The identity fields of a table that covers them (`FACET_API_HAS(table, api_minor)`). The
    /// table is read field by field through its pointer: an older plugin's table is smaller than
    /// `FacetPluginAPI`, so copying the whole struct would read past its end.
    private static func tableIdentity(_ table: UnsafePointer<FacetPluginAPI>) -> (id: String?, version: String?, minor: UInt32)? {
        let end = MemoryLayout<FacetPluginAPI>.offset(of: \FacetPluginAPI.api_minor)! + MemoryLayout<UInt32>.size
        guard Int(table.pointee.struct_size) >= end else { return nil }
        return (
            table.pointee.plugin_id.map { String(cString: $0) }, table.pointee.plugin_version.map { String(cString: $0) },
            table.pointee.api_minor
        )
    }
}

/// What a plugin library states about itself in its table, before any JSON is exchanged.
public struct PluginLibraryInfo: Sendable, Equatable {
    /// The library file.
    public let url: URL
    /// The API version of its table (`FACET_PLUGIN_API_VERSION` it was built with).
    public let apiVersion: UInt32
    /// `FACET_PLUGIN_API_MINOR` it was built with; nil for a table from before minor 4, which
    /// did not carry it (such a plugin knows at most minor 3).
    public let apiMinor: UInt32?
    /// The plugin's id (`plugin_id`); nil when the table predates it or leaves it null.
    public let id: String?
    /// The plugin's version (`plugin_version`); nil when the table predates it or leaves it null.
    public let version: String?
    /// How many effects the library provides.
    public let effectCount: Int

    /// The ABI as `version.minor` (`1.4`), or `1.≤3 (no identity fields)` for a table from
    /// before the identity fields, which states no minor.
    public var abiDescription: String {
        apiMinor.map { "\(apiVersion).\($0)" } ?? "\(apiVersion).≤3 (no identity fields)"
    }
}

/// One plugin directory as `PluginLoader.survey` found it.
public struct PluginDirectory: Sendable {
    /// The directory.
    public let url: URL
    /// Whether it exists (a missing directory is searched and simply holds nothing).
    public var exists: Bool
    /// The libraries that loaded, in file-name order.
    public var plugins: [LoadedPlugin]
    /// Why the others (or the directory itself) were not loaded.
    public var errors: [HostError]
}

/// A loaded plugin library: its stated identity and a factory for each effect.
public struct LoadedPlugin: Sendable {
    /// What the table says of the library.
    public let info: PluginLibraryInfo
    /// One factory per effect, in the library's order.
    public let factories: [EffectFactory]
}

/// A loaded plugin library's table; kept alive by the instances made from it.
final class PluginLibrary: @unchecked Sendable {
    // Safe to share: the table is immutable, static data of the library.
    let info: PluginLibraryInfo
    let api: UnsafePointer<FacetPluginAPI>

    init(info: PluginLibraryInfo, api: UnsafePointer<FacetPluginAPI>) {
        self.info = info
        self.api = api
    }

    /// The library file.
    var url: URL { info.url }

    /// How messages name the plugin: `plugin com.example.tools (libTools.so)`, or `plugin
    /// libTools.so` when its table states no id.
    var name: String {
        guard let id = info.id, !id.isEmpty else { return "plugin \(url.lastPathComponent)" }
        return "plugin \(id) (\(url.lastPathComponent))"
    }

    /// Effect `index`'s descriptor JSON as the plugin gave it; nil when it gave none.
    func descriptorJSON(_ index: Int32) -> String? {
        api.pointee.describe(index).map { String(cString: $0) }
    }

    /// Takes a string the plugin allocated, freeing it.
    func take(_ string: UnsafeMutablePointer<CChar>?) -> String? {
        guard let string else { return nil }
        defer { api.pointee.free_string(string) }
        return String(cString: string)
    }
}

/// An effect instance living in a plugin library, driven through the C table.
final class PluginEffectInstance: FaceEffect, @unchecked Sendable {
    // Safe to share: the contract allows one thread at a time per instance, which the pipeline keeps.
    static let descriptor = EffectDescriptor(
        id: "org.facet.plugin-instance", version: EffectVersion(1),
        summary: "An effect loaded from a plugin library.", parameters: [])

    private let library: PluginLibrary
    private let handle: UnsafeMutableRawPointer
    private let effectDescriptor: EffectDescriptor

    required init(parameters: EffectParameters) throws {
        throw EffectError(.unsupported, "plugin effects are created through their library")
    }

    init(library: PluginLibrary, index: Int32, descriptor: EffectDescriptor, parameters: EffectParameters) throws {
        self.library = library
        self.effectDescriptor = descriptor
        let json = String(decoding: try JSONEncoder().encode(parameters.values), as: UTF8.self)
        var error: UnsafeMutablePointer<CChar>?
        guard let handle = library.api.pointee.create(index, json, &error) else {
            let message = library.take(error) ?? "no reason given"
            throw EffectError(
                .invalidParameter, "\(descriptor.id) (plugin \(library.url.lastPathComponent)) refused its parameters: \(message)")
        }
        self.handle = handle
    }

    deinit { library.api.pointee.destroy(handle) }

    func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        let input = String(decoding: try JSONEncoder().encode(motion), as: UTF8.self)
        let warnBox = Unmanaged.passRetained(WarnBox(context.warn))
        defer { warnBox.release() }
        var output: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        let samples = context.audio?.samples ?? []
        let modelJSON = context.faceModel.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        let driving = try CDrivingInputs(context.drivingInputs)
        let speechJSON = try context.speech.map { speech in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(speech), as: UTF8.self)
        }
        let status: Int32 = samples.withUnsafeBufferPointer { buffer in
            withOptionalCString(modelJSON) { modelPointer in
                withOptionalCString(speechJSON) { speechPointer in
                    var hostContext = FacetHostContext(
                        struct_size: UInt32(MemoryLayout<FacetHostContext>.size),
                        audio_samples: buffer.isEmpty ? nil : buffer.baseAddress,
                        audio_sample_count: Int64(buffer.count),
                        audio_sample_rate: Int32(context.audio?.sampleRate ?? 0),
                        audio_start_time: context.audio?.startTime ?? 0,
                        host_data: warnBox.toOpaque(),
                        warn: { hostData, message in
                            guard let hostData, let message else { return }
                            Unmanaged<WarnBox>.fromOpaque(hostData).takeUnretainedValue().warn(String(cString: message))
                        },
                        face_model_json: modelPointer,
                        driving_inputs: driving.count > 0 ? UnsafePointer(driving.pointers) : nil,
                        driving_input_count: Int32(driving.count),
                        speech_json: speechPointer)
                    return library.api.pointee.process(handle, input, &hostContext, &output, &error)
                }
            }
        }
        guard status == 0 else {
            let message = library.take(error) ?? "\(effectDescriptor.id) failed without a message"
            // A failing call must not hand back motion; it is freed and never read.
            outputOnFailure = library.take(output) != nil
            reportedFailure = true
            throw EffectError(
                .processingFailed,
                outputOnFailure ? message + Self.outputOnFailureNote : message)
        }
        outputOnFailure = false
        reportedFailure = false
        // An error message set on success is not the user's concern, but it is the host's to free.
        _ = library.take(error)
        guard let text = library.take(output) else {
            throw EffectError(.processingFailed, "\(effectDescriptor.id) returned no motion; expected the transformed motion")
        }
        // What the plugin may change is checked by the host for every effect (EffectChainRunner).
        do {
            var returned = try JSONDecoder().decode(SceneMotion.self, from: Data(text.utf8))
            Self.restoreDroppedCameras(from: motion, into: &returned)
            motion = returned
        } catch {
            if let found = NonFiniteJSON.locate(in: text) {
                throw EffectError(
                    .processingFailed,
                    "\(effectDescriptor.id) returned motion with the number \(found.literal), which is not finite\(found.place); "
                        + "expected finite numbers within MotionLimits (JSON cannot carry NaN or infinity)",
                    cause: error)
            }
            throw EffectError(
                .processingFailed,
                "\(effectDescriptor.id) returned motion that is not valid SceneMotion JSON\(Self.place(of: error, in: motion)); "
                    + "expected the motion it was given as JSON, with only coefficients and identity changed",
                cause: error)
        }
    }

    /// Puts back a track's camera the plugin returned without: a plugin built with an SDK from
    /// before cameras were recorded decodes and re-encodes the motion without them. Effects may
    /// not change the camera (the host checks that for every effect), so the input's is the right
    /// one; a camera the plugin did return is left for that check.
    static func restoreDroppedCameras(from input: SceneMotion, into returned: inout SceneMotion) {
        for index in returned.tracks.indices where index < input.tracks.count {
            if returned.tracks[index].camera == nil, let camera = input.tracks[index].camera {
                returned.tracks[index].camera = camera
            }
        }
    }

    /// Where in `motion` (the input) a decoding error points: ` at track 0, frame 4`, from the
    /// error's coding path (`tracks[0].frames[4]…`); empty when it points at no frame or track.
    static func place(of error: any Error, in motion: SceneMotion) -> String {
        let path: [any CodingKey]
        switch error as? DecodingError {
        case .dataCorrupted(let context)?, .keyNotFound(_, let context)?, .typeMismatch(_, let context)?,
            .valueNotFound(_, let context)?:
            path = context.codingPath
        default: return ""
        }
        var place: [String] = []
        var track: FaceTrack?
        for (key, next) in zip(path, path.dropFirst()) {
            guard let position = next.intValue else { continue }
            if key.stringValue == "tracks", position < motion.tracks.count {
                track = motion.tracks[position]
                place.append("track \(motion.tracks[position].id)")
            } else if key.stringValue == "frames", let track, position < track.frames.count {
                place.append("frame \(track.frames[position].frameIndex)")
            } else if key.stringValue == "frameTimes" {
                place.append("frame \(position)")
            }
        }
        return place.isEmpty ? "" : " (at \(place.joined(separator: ", ")))"
    }

    /// What a failure's message gains when the failing call also set `motion_out`.
    static let outputOnFailureNote = " (it also returned motion, which a failing effect must not; the motion was discarded)"

    /// How messages name the plugin this effect lives in (`plugin ID (LIBRARY-FILE)`).
    var pluginName: String { library.name }

    /// Whether the last `process` call failed and yet returned motion (a broken contract that
    /// `facet plugins check` reports).
    private(set) var outputOnFailure = false

    /// Whether the last `process` call failed in the plugin (a non-zero status), rather than in
    /// the host reading what it returned.
    private(set) var reportedFailure = false
}

/// The C form of an effect's driving inputs (`FacetDrivingInput`), owning every string and
/// sample buffer it points to until the plugin call returns.
private final class CDrivingInputs {
    let count: Int
    let pointers: UnsafeMutablePointer<UnsafePointer<FacetDrivingInput>?>
    private let entries: UnsafeMutablePointer<FacetDrivingInput>
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []

    init(_ inputs: [String: DrivingInput]) throws {
        let sorted = inputs.sorted { $0.key < $1.key }
        count = sorted.count
        pointers = .allocate(capacity: max(count, 1))
        entries = .allocate(capacity: max(count, 1))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for (index, (parameter, input)) in sorted.enumerated() {
            let json = String(decoding: try encoder.encode(input), as: UTF8.self)
            let parameterString = strdup(parameter)!, jsonString = strdup(json)!
            strings += [parameterString, jsonString]
            var samples: UnsafeMutableBufferPointer<Float>?
            if let audio = input.audio, !audio.samples.isEmpty {
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: audio.samples.count)
                _ = buffer.initialize(from: audio.samples)
                buffers.append(buffer)
                samples = buffer
            }
            (entries + index).initialize(
                to: FacetDrivingInput(
                    struct_size: UInt32(MemoryLayout<FacetDrivingInput>.size), parameter: parameterString,
                    input_json: jsonString, audio_samples: samples.map { UnsafePointer($0.baseAddress!) },
                    audio_sample_count: Int64(samples?.count ?? 0), audio_sample_rate: Int32(input.audio?.sampleRate ?? 0),
                    audio_start_time: input.audio?.startTime ?? 0))
            pointers[index] = UnsafePointer(entries + index)
        }
    }

    deinit {
        strings.forEach { free($0) }
        buffers.forEach { $0.deallocate() }
        entries.deinitialize(count: count)
        entries.deallocate()
        pointers.deallocate()
    }
}

/// Holds the warning callback while a plugin runs.
private final class WarnBox {
    let warn: @Sendable (String) -> Void
    init(_ warn: @escaping @Sendable (String) -> Void) { self.warn = warn }
}

/// Calls `body` with a C string of `text`, or with nil when there is no text.
private func withOptionalCString<Result>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> Result) -> Result {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

/// Finds where a plugin's motion JSON holds a number no decoder accepts: a literal that
/// overflows (`1e999`, infinite once parsed) or a word such as `nan` or `Infinity`. Foundation's
/// decoder refuses the whole text without saying where, so the literal is replaced by a
/// sentinel that decodes and lies outside `MotionLimits`, and the range check names its track,
/// frame and field.
enum NonFiniteJSON {
    /// A value that decodes as a `Float` and fails every range check of a coefficient.
    private static let sentinel = "-3e38"

    /// The first such literal and where it is (` at track 0, frame 3: pose.yaw`), or nil when
    /// the text holds none.
    static func locate(in text: String) -> (literal: String, place: String)? {
        let pattern = #"([:,\[]\s*)(-?(?:[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[Nn]a[Nn]|[Ii]nf(?:inity)?))(?=\s*[,\]}])"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        let whole = NSRange(text.startIndex..., in: text)
        var first: String?
        var replaced = ""
        var cursor = text.startIndex
        for match in expression.matches(in: text, range: whole) {
            guard let range = Range(match.range(at: 2), in: text) else { continue }
            let literal = String(text[range])
            if let number = Double(literal), number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) { continue }
            if first == nil { first = literal }
            replaced += text[cursor..<range.lowerBound] + sentinel
            cursor = range.upperBound
        }
        guard let first else { return nil }
        replaced += text[cursor...]
        guard let motion = try? JSONDecoder().decode(SceneMotion.self, from: Data(replaced.utf8)),
            let violation = motion.rangeViolation()
        else { return (first, "") }
        var place: [String] = []
        if let track = violation.trackID { place.append("track \(track)") }
        if let frame = violation.frameIndex { place.append("frame \(frame)") }
        return (first, " (at \((place + [violation.field]).joined(separator: ", ")))")
    }
}
