import FacetAnalysis
import FacetCompression
import FacetSDK
import Foundation

/// Analysed driving motion kept between runs, keyed by the driver file's content and the
/// analysis settings: the second run with the same driver does not analyse it again, and an
/// edited file or changed setting never gets a stale entry.
///
/// Entries are motion files (`<key>.motion.json`, the format of `facet analyze -o`) in
/// `directory`, written atomically, so a run interrupted while writing leaves no broken entry.
public struct DrivingMotionCache: Sendable {
    /// Bumped whenever analysis changes what it produces for the same file and settings.
    public static let formatVersion = 1

    /// Where the entries are.
    public let directory: URL

    /// A cache in `directory` (created on the first write).
    public init(directory: URL) {
        self.directory = directory
    }

    /// The user's cache: `$FACET_CACHE_DIR/driving`, else `$XDG_CACHE_HOME/facet/driving`, else
    /// `~/.cache/facet/driving`; nil when none of them is set.
    public static func userCache(environment: [String: String] = ProcessInfo.processInfo.environment) -> DrivingMotionCache? {
        userCacheBase(environment: environment).map {
            DrivingMotionCache(directory: $0.appendingPathComponent("driving", isDirectory: true))
        }
    }

    /// The folder every cache of Facet's lives in (`driving/`, `speech/`): `$FACET_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/facet`, else `~/.cache/facet`; nil when none of them is set.
    static func userCacheBase(environment: [String: String]) -> URL? {
        if let explicit = environment["FACET_CACHE_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("facet")
        } else if let home = environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/facet")
        }
        return nil
    }

    /// The key of `file` analysed with `settings`: SHA-256 over the cache format, the settings
    /// (sorted) and the file's bytes, read in 1 MiB pieces.
    public static func key(of file: URL, settings: [String: String]) throws(HostError) -> String {
        var hash = SHA256()
        hash.update("facet-driving-motion \(formatVersion)\n")
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { hash.update("\(name)=\(value)\n") }
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty { hash.update(piece) }
        } catch {
            throw HostError(.io, "cannot read the driver to key its analysis", path: file.path, cause: error)
        }
        return hash.finalize().hexadecimal
    }

    /// The entry file for `key`.
    public func entry(for key: String) -> URL { directory.appendingPathComponent("\(key).motion.json") }

    /// The motion stored under `key`, or nil when there is none or it cannot be read (a damaged
    /// entry is removed, so the next run rewrites it).
    public func motion(for key: String) -> SceneMotion? {
        let url = entry(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let file = try? MotionFile.read(from: url) else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        return file.motion
    }

    /// Stores `motion` under `key`; `driver` and `settings` are recorded in the entry for people
    /// who look inside. A failure to write is returned as a warning: the run goes on uncached.
    public func store(_ motion: SceneMotion, for key: String, driver: URL, settings: [String: String]) -> String? {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            return
                "the driving-motion cache \(directory.path) cannot be created (\(ErrorChain.describe(error))); the driver will be analysed again next time"
        }
        let file = MotionFile(
            generator: "facet driving-motion cache \(Self.formatVersion)",
            source: .init(
                path: driver.path, width: motion.frameWidth, height: motion.frameHeight, frameCount: motion.frameCount,
                frameRate: motion.frameRate),
            analysis: settings, motion: motion)
        do {
            try file.write(to: entry(for: key))
            return nil
        } catch {
            return
                "the driving-motion cache entry \(entry(for: key).path) could not be written (\(ErrorChain.describe(error))); the driver will be analysed again next time"
        }
    }
}
