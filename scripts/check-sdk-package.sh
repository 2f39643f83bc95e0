#!/usr/bin/env bash
# Proves the effect SDK builds alone, as a third-party plugin package would use it: a fresh
# package depends on this repository's `FacetSDK` product by URL and version, builds an effect
# against it and runs it. It fails if the SDK pulls in a system library or an unsafe flag.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A versioned copy of the committed tree, as a package URL would give it.
git clone -q "$repo" "$work/facet"
git -C "$work/facet" -c user.name=check -c user.email=check@localhost tag 0.1.0

mkdir -p "$work/tilt/Sources/Tilt" "$work/tilt/Sources/tilt-check"
cat > "$work/tilt/Package.swift" <<PKG
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "tilt",
    dependencies: [.package(url: "$work/facet", from: "0.1.0")],
    targets: [
        .target(name: "Tilt", dependencies: [.product(name: "FacetSDK", package: "facet")]),
        .executableTarget(name: "tilt-check", dependencies: ["Tilt", .product(name: "FacetSDK", package: "facet")]),
    ]
)
PKG
cat > "$work/tilt/Sources/Tilt/Tilt.swift" <<'SWIFT'
import FacetSDK

public struct Tilt: PerFrameFaceEffect {
    public static let descriptor = EffectDescriptor(
        id: "com.example.tilt", version: EffectVersion(1, 0, 0), summary: "Tilt the head.",
        parameters: [.number("angle", default: 0, min: -30, max: 30, unit: "deg", "Counter-clockwise.")])
    private let parameters: EffectParameters
    public init(parameters: EffectParameters) throws { self.parameters = parameters }
    public func edit(_ coefficients: inout FaceCoefficients, time: Double, track: FaceTrack) throws {
        coefficients.pose.roll += Float(parameters.number("angle", at: time)) * .pi / 180
    }
}
SWIFT
cat > "$work/tilt/Sources/tilt-check/main.swift" <<'SWIFT'
import FacetSDK
import Tilt

let track = try KeyframeTrack([Keyframe(time: 0, value: 0), Keyframe(time: 1, value: 20)])
let effect = try Tilt(parameters: EffectParameters(schema: Tilt.descriptor.parameters, given: ["angle": .keyframes(track)]))
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

cd "$work/tilt"
swift build 2>&1 | tee "$work/build.log" | tail -n 3
if grep -Eq "Compiling (FacetMedia|FacetHost)|CFFmpeg" "$work/build.log"; then
  echo "sdk-check: FAILED — building against FacetSDK compiled media/host code" >&2
  exit 1
fi
"$(swift build --show-bin-path)/tilt-check"
