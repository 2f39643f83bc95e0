import FacetSDK
import Foundation

/// Runs a chain's effects over motion, one after another, and checks what each one returns.
///
/// Every effect — built in or loaded from a plugin — must keep the video's frames (times, rate,
/// size) and its tracks (ids, and which frames each covers), and return numbers a face model can
/// describe (`MotionLimits`). A violation is an error naming the effect and where it was
/// written, so a broken effect is found at once instead of as a garbled render later.
struct EffectChainRunner {
    /// The effects, created from the chain's invocations, in chain order.
    let effects: [(effect: any FaceEffect, invocation: EffectInvocation)]

    /// Creates every effect of `chain` (before anything is decoded: a refused parameter fails early).
    init(_ chain: EffectChain) throws(HostError) {
        effects = try chain.invocations.map { invocation throws(HostError) in (try invocation.instantiate(), invocation) }
    }

    /// `source` after every effect; `audio`, `faceModel`, each effect's own driving inputs
    /// (`drivingInputs[i]` for effect i; missing entries: none) and speech (`speech[i]`) go into its context, and warnings
    /// (prefixed with the effect's id) into `warnings`.
    func run(
        on source: SceneMotion, audio: AudioClip?, faceModel: FaceModelDescription?,
        drivingInputs: [[String: DrivingInput]] = [], speech: [SpeechInput?] = [], warnings: WarningSink
    ) throws(HostError) -> SceneMotion {
        var motion = source
        for (position, (effect, invocation)) in effects.enumerated() {
            let id = invocation.descriptor.id
            let context = EffectContext(
                audio: audio, faceModel: faceModel, drivingInputs: position < drivingInputs.count ? drivingInputs[position] : [:],
                speech: position < speech.count ? speech[position] : nil,
                warn: { message in warnings.add("\(id): \(message)") })
            let before = motion
            do {
                try effect.process(&motion, context: context)
            } catch {
                throw HostError(.effectFailed, "effect \(id) failed", at: invocation.location, cause: error)
            }
            if let broken = Self.brokenPostcondition(before: before, after: motion) {
                throw HostError(
                    .effectFailed, "effect \(id) \(broken); expected only coefficients and identity to change",
                    at: invocation.location)
            }
            if let violation = motion.rangeViolation() {
                throw HostError(.effectFailed, "effect \(id) produced motion out of range", at: invocation.location, cause: violation)
            }
        }
        return motion
    }

    /// What an effect changed that it must not, in words; nil when the contract holds.
    static func brokenPostcondition(before: SceneMotion, after: SceneMotion) -> String? {
        if after.frameTimes != before.frameTimes { return "changed the frame times" }
        if after.frameRate != before.frameRate { return "changed the frame rate" }
        if after.frameWidth != before.frameWidth || after.frameHeight != before.frameHeight { return "changed the frame size" }
        if after.tracks.map(\.id) != before.tracks.map(\.id) { return "added, removed or reordered face tracks" }
        for (old, new) in zip(before.tracks, after.tracks)
        where new.frames.map(\.frameIndex) != old.frames.map(\.frameIndex) {
            return "changed which frames track \(old.id) covers"
        }
        return nil
    }
}

/// Collects effect warnings from any thread.
final class WarningSink: @unchecked Sendable {
    // Safe to share: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    /// Adds one warning.
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    /// The warnings so far, in order.
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
