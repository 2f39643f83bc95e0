import FacetErrors

/// The one error type of the face-analysis module: detection, landmarks, tracking, analysis.
public typealias AnalysisError = FacetError<AnalysisErrorDomain>

/// The domain of `AnalysisError`: its codes are the static members of `ErrorCode<AnalysisErrorDomain>`.
public enum AnalysisErrorDomain: ErrorDomain {}

extension ErrorCode where Domain == AnalysisErrorDomain {
    /// Memory ran out (detection on a huge image, a corrupt model asking for huge sizes).
    public static var outOfMemory: Self { Self("out of memory") }

    /// dlib failed in a way the other codes do not describe (the message has its text).
    public static var libraryFailure: Self { Self("face library failure") }
}
