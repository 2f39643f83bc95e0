import Foundation

/// Checks, before any long work, that an output file can be created where it was asked for:
/// so a contact sheet, overlay or motion file into a missing or read-only folder is refused
/// at once, not after the whole render (which then threw the finished video away too).
public enum OutputPreflight {
    /// Throws `.io` naming the file and the reason unless its directory exists and a file can be
    /// created in it (a hidden probe file is created and removed at once).
    public static func checkWritable(_ url: URL, what: String) throws(HostError) {
        let directory = url.standardizedFileURL.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HostError(
                .io, "the folder of the \(what) \(url.path) does not exist (or is not a folder); expected an existing, writable folder")
        }
        let probe = directory.appendingPathComponent(".facet-write-check-\(UUID().uuidString.prefix(8))")
        let descriptor = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw HostError(.io, "cannot create the \(what) \(url.path) (\(reason)); expected a writable folder")
        }
        close(descriptor)
        unlink(probe.path)
    }
}
