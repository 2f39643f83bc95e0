import FacetErrors

/// The one error type of the face-analysis module: detection, landmarks, tracking, analysis.
public typealias AnalysisError = FacetError<AnalysisErrorDomain>

/// The domain of `AnalysisError`: its codes are the static members of `ErrorCode<AnalysisErrorDomain>`.
public enum AnalysisErrorDomain: ErrorDomain {
    /// "face analysis".
    public static let name = "face analysis"
}

extension ErrorCode where Domain == AnalysisErrorDomain {
    /// A landmark model or motion file is missing.
    public static var fileNotFound: Self { Self("file not found") }

    /// A file exists but is not in the expected format (truncated, wrong sizes, bad syntax).
    public static var malformed: Self { Self("malformed file") }

    /// The pieces do not fit together (e.g. a motion file for another video).
    public static var incompatible: Self { Self("incompatible input") }

    /// A value passed by the caller is out of range or inconsistent.
    public static var invalidArgument: Self { Self("invalid argument") }

    /// Memory ran out (detection on a huge image, a corrupt model asking for huge sizes).
    public static var outOfMemory: Self { Self("out of memory") }

    /// dlib failed in a way the other codes do not describe (the message has its text).
    public static var libraryFailure: Self { Self("face library failure") }

    /// A file could not be written.
    public static var io: Self { Self("file error") }

    /// The caller asked the analysis to stop.
    public static var cancelled: Self { Self("cancelled") }
}
