import Foundation

/// What went wrong while decoding a damaged file.
///
/// Decoding continues past damaged packets ("decode what can be decoded, report the damage");
/// this says how much was lost. All counts are zero for a clean file.
public struct DecodeDamage: Sendable, Equatable, CustomStringConvertible {
    /// Packets the demuxer flagged as corrupt or the decoder rejected.
    public var corruptPackets = 0
    /// Errors returned by the decoder (on sending packets or receiving frames).
    public var decodeErrors = 0
    /// Errors returned by the demuxer while reading packets (other than end of file).
    public var readErrors = 0
    /// Frames that were decoded but flagged as damaged (errors concealed by the decoder).
    public var damagedFrames = 0
    /// Whether the stream ended well before the duration its container announced
    /// (typically a truncated file).
    public var endedEarly = false
    /// Stream time in seconds of the first problem, when known.
    public var firstErrorTime: Double?
    /// Short descriptions of the first problems (at most `DecodeDamage.maxMessages`).
    public var messages: [String] = []

    /// How many messages are kept.
    public static let maxMessages = 20

    /// Creates an empty report.
    public init() {}

    /// Whether nothing went wrong.
    public var isEmpty: Bool {
        corruptPackets == 0 && decodeErrors == 0 && readErrors == 0 && damagedFrames == 0 && !endedEarly
    }

    /// One line: counts and the first problem's time.
    public var description: String {
        if isEmpty { return "no damage" }
        var text =
            "\(corruptPackets) corrupt packet(s), \(decodeErrors) decode error(s), "
            + "\(readErrors) read error(s), \(damagedFrames) damaged frame(s)"
        if endedEarly { text += ", ended early" }
        if let firstErrorTime { text += String(format: ", first at %.3f s", firstErrorTime) }
        return text
    }

    /// Records a problem at `time` (seconds, when known).
    mutating func note(_ message: String, at time: Double?) {
        if firstErrorTime == nil, let time { firstErrorTime = time }
        if messages.count < Self.maxMessages {
            let where_ = time.map { String(format: "%.3f s: ", $0) } ?? ""
            messages.append(where_ + message)
        }
    }
}
