#!/usr/bin/env bash
# Proves the effect SDK builds alone, as a third-party plugin package would use it: a fresh
# package depends on this repository's `FacetSDK` product by URL and version, builds an effect
# against it and runs it. It fails if the SDK pulls in a system library or an unsafe flag.
# Then it builds the same effect as a run-time plugin (FacetPluginKit, a shared library) and
# has the `facet` binary (FACET, default .build/debug/facet) load it, describe it and run it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A versioned copy of the committed tree, as a package URL would give it.
git clone -q "$repo" "$work/facet"
git -C "$work/facet" -c user.name=check -c user.email=check@localhost tag 0.1.0

mkdir -p "$work/tilt/Sources/Tilt" "$work/tilt/Sources/tilt-check" "$work/tilt/Sources/TiltPlugin"
cat > "$work/tilt/Package.swift" <<PKG
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "tilt",
    products: [.library(name: "TiltPlugin", type: .dynamic, targets: ["TiltPlugin"])],
    dependencies: [.package(url: "$work/facet", from: "0.1.0")],
    targets: [
        .target(name: "TiltPlugin", dependencies: ["Tilt", .product(name: "FacetPluginKit", package: "facet")]),
        .target(name: "Tilt", dependencies: [.product(name: "FacetSDK", package: "facet")]),
        .executableTarget(name: "tilt-check", dependencies: ["Tilt", .product(name: "FacetSDK", package: "facet")]),
    ]
)
PKG
cat > "$work/tilt/Sources/Tilt/Tilt.swift" <<'SWIFT'
import FacetSDK

public struct Tilt: PerFrameFaceEffect {
    public static let angle = NumberParameter("angle", default: 0, range: -30...30, unit: "deg", "Counter-clockwise.")
    public static let follow = DrivingInputParameter("follow", "A face whose roll is reported (a driving input).")
    public static let words = TranscriptParameter("words", "What the audio says (reported with its phones).")
    public static let descriptor = EffectDescriptor(
        id: "com.example.tilt", version: EffectVersion(1, 0, 0), summary: "Tilt the head.", parameters: [angle, follow, words],
        inputs: [.drivingAudio, .speech])
    private let parameters: EffectParameters
    public init(parameters: EffectParameters) throws { self.parameters = parameters }
    public func edit(_ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack, context: EffectContext) throws {
        coefficients.pose.roll += Float(parameters[Self.angle, at: time]) * .pi / 180
    }
    /// Says which face model the host described (the check looks for it, and the test video has
    /// no face for `edit` to see it in), then edits every frame.
    public func process(_ motion: inout SceneMotion, context: EffectContext) throws {
        if let model = context.faceModel {
            context.warn("face model \(model.name), smile control: \(model.control(named: ExpressionControlName.smile) != nil), regions: \(model.regions.count)")
        }
        if let driver = context.drivingInput(for: Self.follow) {
            context.warn("driver \(driver.fileName): \(driver.kind.rawValue), \(driver.motion.tracks.count) face(s), audio: \(driver.audio != nil)")
        }
        if let speech = context.speech {
            context.warn("speech: \(speech.method.rawValue), \(speech.loudness.count) loudness values over \(Int(speech.duration.rounded())) s")
        }
        for t in motion.tracks.indices {
            for f in motion.tracks[t].frames.indices {
                try edit(&motion.tracks[t].frames[f].coefficients, time: motion.tracks[t].frames[f].time,
                         track: motion.tracks[t], context: context)
            }
        }
    }
}
SWIFT
cat > "$work/tilt/Sources/tilt-check/main.swift" <<'SWIFT'
import FacetSDK
import Tilt

let track = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 20)])
let effect = try Tilt(parameters: EffectParameters(for: Tilt.self, given: ["angle": .keyframes(track)]))
var motion = SceneMotion(frameTimes: [0, 0.5], frameRate: 2, frameWidth: 8, frameHeight: 8, tracks: [
    FaceTrack(id: 0, modelName: "test", frames: [
        FaceFrame(frameIndex: 0, time: 0, coefficients: FaceCoefficients()),
        FaceFrame(frameIndex: 1, time: 0.5, coefficients: FaceCoefficients()),
    ])])
try effect.process(&motion, context: EffectContext())
let degrees = motion.tracks[0].frames[1].coefficients.pose.roll * 180 / .pi
guard abs(degrees - 10) < 1e-4 else { fatalError("expected 10 degrees at t = 0.5, got \(degrees)") }
print("sdk-check: a separate package built an effect on FacetSDK 0.1.0 and ran it (roll \(degrees) deg at t = 0.5 s)")
SWIFT

cat > "$work/tilt/Sources/TiltPlugin/Export.swift" <<'SWIFT'
import FacetPluginKit
import Tilt

@_cdecl("facet_plugin_entry")
public func facetPluginEntry(_ hostAPIVersion: UInt32) -> UnsafeRawPointer? {
    FacetPluginExport.entry(
        hostAPIVersion: hostAPIVersion, plugin: PluginIdentity(id: "com.example.tilt", version: EffectVersion(1)), effects: [Tilt.self])
}
SWIFT

cd "$work/tilt"
swift build --product tilt-check 2>&1 | tee "$work/build.log" | tail -n 3
if grep -Eq "Compiling (FacetMedia|FacetHost)|CFFmpeg" "$work/build.log"; then
  echo "sdk-check: FAILED — building against FacetSDK compiled media/host code" >&2
  exit 1
fi
bin=$(swift build --show-bin-path)
"$bin/tilt-check"

# The same effect as a run-time plugin, loaded by the facet binary.
facet=${FACET:-$repo/.build/debug/facet}
if [ ! -x "$facet" ]; then
  echo "sdk-check: $facet not built; skipping the run-time plugin check (build facet first)" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
swift build --product TiltPlugin 2>&1 | tail -n 1
mkdir -p "$work/plugins" && cp "$bin/libTiltPlugin.so" "$work/plugins/"
described=$(FACET_PLUGIN_PATH="$work/plugins" "$facet" effects tilt)
echo "$described" | grep -q "com.example.tilt 1.0.0" || { echo "sdk-check: FAILED — facet did not list the plugin: $described" >&2; exit 1; }
echo "$described" | grep -q -- "-30 … 30 deg" || { echo "sdk-check: FAILED — the plugin's parameter table is missing: $described" >&2; exit 1; }
bad=$(FACET_PLUGIN_PATH="$work/plugins" "$facet" effects tilt --json >/dev/null; FACET_PLUGIN_PATH="$work/plugins" "$facet" apply /nonexistent.mp4 -o "$work/o.mp4" --chain 'tilt:angle=90' 2>&1 || true)
echo "$bad" | grep -q "above the maximum 30" || { echo "sdk-check: FAILED — plugin parameters were not validated: $bad" >&2; exit 1; }
ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=25:duration=1 -c:v libx264 -preset ultrafast "$work/in.mp4"
report=$(FACET_PLUGIN_PATH="$work/plugins" "$facet" apply "$work/in.mp4" -o "$work/out.mp4" --chain 'tilt:angle=0@0,10@1' --json)
echo "$report" | grep -q '"frames" : 25' || { echo "sdk-check: FAILED — applying the plugin's chain: $report" >&2; exit 1; }
echo "$report" | grep -q 'face model sfm_3448, smile control: true, regions: 3' || { echo "sdk-check: FAILED — the plugin did not receive the face model description: $report" >&2; exit 1; }
# A driving input crosses the C ABI: the host analyses the named file and hands the plugin its motion.
report=$(FACET_CACHE_DIR="$work/cache" FACET_PLUGIN_PATH="$work/plugins" "$facet" apply "$work/in.mp4" -o "$work/out2.mp4" --chain "tilt:follow=$repo/Samples/astronaut.png" --json)
echo "$report" | grep -q 'driver astronaut.png: still, 1 face(s), audio: false' || { echo "sdk-check: FAILED — the plugin did not receive its driving input: $report" >&2; exit 1; }
# Speech crosses the C ABI: the host analyses the input's sound (a 2 s tone) and hands the plugin its speech.
ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -f lavfi -i sine=frequency=220:sample_rate=16000:duration=2 \
  -c:v libx264 -preset ultrafast -c:a aac -shortest "$work/tone.mp4"
report=$(FACET_CACHE_DIR="$work/cache" FACET_PLUGIN_PATH="$work/plugins" "$facet" apply "$work/tone.mp4" -o "$work/out3.mp4" --chain "tilt:words=hello" --json)
echo "$report" | grep -Eq 'speech: (alignment|recognition|loudness), 2[0-9][0-9] loudness values over 2 s' || { echo "sdk-check: FAILED — the plugin did not receive the speech of its audio: $report" >&2; exit 1; }
# The checker plugin authors run in CI passes the Swift plugin (every effect in a child process).
checked=$("$facet" plugins check "$work/plugins/libTiltPlugin.so") || { echo "sdk-check: FAILED — facet plugins check refused the Swift plugin: $checked" >&2; exit 1; }
echo "sdk-check: facet loaded com.example.tilt from a separately built plugin, validated its parameters, gave it the face model, a driving input and speech, ran it, and facet plugins check passed it"
