import Foundation

/// Every temporary output file this process has created and not yet committed or removed, so
/// that a process forced to exit (a signal the run could not stop for in time) can remove them.
///
/// `OutputFile` and the host's contact sheet register their hidden `.NAME.facet-…` files here;
/// the command-line tool's signal handling calls `removeAll()` before a forced exit. Thread-safe.
public enum TemporaryFiles {
    // Safe to share: `paths` is only touched under `lock`.
    nonisolated(unsafe) private static var paths: Set<String> = []
    private static let lock = NSLock()

    /// Records a temporary file.
    public static func register(_ url: URL) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(url.path)
    }

    /// Forgets a temporary file (it was renamed into place or removed).
    public static func unregister(_ url: URL) {
        lock.lock(); defer { lock.unlock() }
        paths.remove(url.path)
    }

    /// The files registered now.
    public static var registered: [String] {
        lock.lock(); defer { lock.unlock() }
        return paths.sorted()
    }

    /// Removes every registered file; returns how many were removed.
    @discardableResult
    public static func removeAll() -> Int {
        lock.lock(); defer { lock.unlock() }
        var removed = 0
        for path in paths where unlink(path) == 0 { removed += 1 }
        paths.removeAll()
        return removed
    }
}
