import CDlib

// The mapping from the dlib shim's status codes to `AnalysisError`: every shim call's status goes
// through `check(_:_:path:)`.

extension AnalysisError {
    /// The error for a failed shim call: `status`'s category and the shim's message.
    init(dlibStatus status: facet_dlib_status, message: String, path: String? = nil) {
        let code: Code =
            switch status {
            case FACET_DLIB_INVALID_ARGUMENT: .invalidArgument
            case FACET_DLIB_FILE_NOT_FOUND: .fileNotFound
            case FACET_DLIB_MALFORMED_FILE: .malformed
            case FACET_DLIB_OUT_OF_MEMORY: .outOfMemory
            default: .libraryFailure
            }
        self.init(code, message.isEmpty ? "dlib shim call failed with status \(status.rawValue)" : message, path: path)
    }
}

/// Throws the shim's error when `status` is not `FACET_DLIB_OK`; `message` reads the handle's
/// last error (only called on failure).
func check(_ status: facet_dlib_status, _ message: () -> String, path: String? = nil) throws(AnalysisError) {
    guard status != FACET_DLIB_OK else { return }
    throw AnalysisError(dlibStatus: status, message: message(), path: path)
}
