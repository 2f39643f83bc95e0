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
    /// Calls shorter than this are never reported as slow (`EffectTimeBudget`).
    var slowFloorSeconds = EffectTimeBudget.hostFloorSeconds

    /// Creates every effect of `chain` (before anything is decoded: a refused parameter fails early).
    init(_ chain: EffectChain) throws(HostError) {
        effects = try chain.invocations.map { invocation throws(HostError) in (try invocation.instantiate(), invocation) }
    }

    /// `source` after every effect; `audio`, `faceModel`, each effect's own driving inputs
    /// (`drivingInputs[i]` for effect i; missing entries: none) and speech (`speech[i]`) go into its context, and warnings
    /// (prefixed with the effect's id) into `warnings`. `started` hears each effect's position and
    /// name (`EffectChainRunner.name(of:)`) before it runs, for a progress line.
    ///
    /// Errors name the effect, and for a plugin's effect the plugin's id and library file; a
    /// broken contract names the first frame or track where it shows. An effect far slower than
    /// its declared temporal access suggests (`EffectTimeBudget`) is reported as a warning.
    func run(
        on source: SceneMotion, audio: AudioClip?, faceModel: FaceModelDescription?,
        drivingInputs: [[String: DrivingInput]] = [], speech: [SpeechInput?] = [], warnings: WarningSink,
        started: ((_ position: Int, _ name: String) -> Void)? = nil
    ) throws(HostError) -> SceneMotion {
        var motion = source
        for (position, (effect, invocation)) in effects.enumerated() {
            let id = invocation.descriptor.id
            let name = Self.name(of: effect, id: id)
            started?(position, name)
            // Sound only for an effect that asked for it (facet_plugin.h: NULL when it did not).
            let context = EffectContext(
                audio: invocation.descriptor.inputs.hearsAudio ? audio : nil, faceModel: faceModel,
                drivingInputs: position < drivingInputs.count ? drivingInputs[position] : [:],
                speech: position < speech.count ? speech[position] : nil,
                warn: { message in warnings.add("\(id): \(message)") })
            let before = motion
            let clock = Date()
            do {
                try effect.process(&motion, context: context)
            } catch {
                throw HostError(.effectFailed, "\(name) failed", at: invocation.location, cause: error)
            }
            let seconds = Date().timeIntervalSince(clock)
            if let broken = Self.contractViolation(before: before, after: motion) {
                throw HostError(.effectFailed, "\(name) \(broken.message)", at: invocation.location, cause: broken.cause)
            }
            if let slow = EffectTimeBudget.slowness(
                seconds: seconds, faceFrames: before.faceFrameCount, access: invocation.descriptor.temporalAccess,
                floorSeconds: slowFloorSeconds)
            {
                warnings.add("\(id): \(name) \(slow)")
            }
        }
        return motion
    }

    /// How messages name an effect: `effect ID`, and for a plugin's effect `effect ID of plugin
    /// PLUGIN-ID (LIBRARY-FILE)`.
    static func name(of effect: any FaceEffect, id: String) -> String {
        guard let plugin = effect as? PluginEffectInstance else { return "effect \(id)" }
        return "effect \(id) of \(plugin.pluginName)"
    }

    /// What an effect's output breaks of the contract, in words (after the effect's name), with
    /// the range violation as the cause when the numbers are out of range; nil when it holds.
    /// The one check the chain, `facet plugins check` and tests share.
    static func contractViolation(before: SceneMotion, after: SceneMotion) -> (message: String, cause: MotionRangeViolation?)? {
        if let broken = brokenPostcondition(before: before, after: after) {
            return ("\(broken); expected only coefficients and identity to change", nil)
        }
        // The violation names the track, the frame and the field.
        if let violation = after.rangeViolation() { return ("produced motion out of range", violation) }
        return nil
    }

    /// What an effect changed that it must not, in words naming the first frame or track where
    /// it shows; nil when the contract holds.
    static func brokenPostcondition(before: SceneMotion, after: SceneMotion) -> String? {
        if after.frameTimes != before.frameTimes {
            let first = firstDifference(before.frameTimes, after.frameTimes)
            guard after.frameTimes.count == before.frameTimes.count else {
                return
                    "changed the frame times (\(before.frameCount) frames became \(after.frameCount); first difference at frame \(first))"
            }
            return "changed the frame times (first at frame \(first): \(before.frameTimes[first]) became \(after.frameTimes[first]))"
        }
        if after.frameRate != before.frameRate { return "changed the frame rate (\(before.frameRate) became \(after.frameRate))" }
        if after.frameWidth != before.frameWidth || after.frameHeight != before.frameHeight {
            return "changed the frame size (\(before.frameWidth)x\(before.frameHeight) became \(after.frameWidth)x\(after.frameHeight))"
        }
        if after.tracks.map(\.id) != before.tracks.map(\.id) {
            return "added, removed or reordered face tracks (ids \(before.tracks.map(\.id)) became \(after.tracks.map(\.id)))"
        }
        for (old, new) in zip(before.tracks, after.tracks) {
            let oldFrames = old.frames.map(\.frameIndex), newFrames = new.frames.map(\.frameIndex)
            guard oldFrames != newFrames else { continue }
            let position = firstDifference(oldFrames, newFrames)
            let frame = position < oldFrames.count ? oldFrames[position] : newFrames[position]
            return "changed which frames track \(old.id) covers (first at frame \(frame))"
        }
        for (old, new) in zip(before.tracks, after.tracks) {
            if new.modelName != old.modelName {
                return "changed the face model of track \(old.id) (\(old.modelName) became \(new.modelName))"
            }
            if new.expressionBasis != old.expressionBasis || new.expressionNames != old.expressionNames {
                return "changed the expression space of track \(old.id) (its expressionBasis or expressionNames)"
            }
            if new.camera != old.camera {
                return "changed the camera of track \(old.id)"
            }
        }
        return nil
    }

    /// The first position where `a` and `b` differ (the shorter one's length when one extends the other).
    private static func firstDifference<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    }
}

extension SceneMotion {
    /// The number of face-frames: every track's frames, summed.
    var faceFrameCount: Int { tracks.reduce(0) { $0 + $1.frames.count } }
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
