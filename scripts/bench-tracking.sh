#!/bin/sh
# Tracking benchmark: detection ms, landmarks ms per face, tracker fps including decode.
# Usage: scripts/bench-tracking.sh [video]
# Default video: 10 s of 1280x720 at 30 fps made with ffmpeg from the shared astronaut portrait
# (scaled to 900 px and swaying; face box ~175 px). Adds scripts/bench-tracking as a temporary
# executable target to Package.swift, builds it in release mode, runs it, restores Package.swift.
set -eu
cd "$(dirname "$0")/.."
video="${1:-}"
if [ -z "$video" ]; then
    video="${TMPDIR:-/tmp}/facet-bench-face720.mp4"
    [ -f "$video" ] || ffmpeg -nostdin -v error -y -f lavfi -i color=gray:s=1280x720:r=30:d=10 \
        -loop 1 -i ../shared/media/astronaut.png \
        -filter_complex "[1]scale=900:900[a];[0][a]overlay=x='190+200*sin(2*PI*t/4)':y='-60+30*sin(2*PI*t/3)':shortest=1" \
        -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$video"
fi
cp Package.swift .Package.swift.bench-backup
trap 'mv .Package.swift.bench-backup Package.swift' EXIT
cat >> Package.swift <<'SWIFT'
package.targets.append(.executableTarget(name: "BenchTracking", dependencies: ["FacetAnalysis", "FacetMedia", "FacetSDK"],
                                         path: "scripts/bench-tracking", swiftSettings: swiftSettings))
SWIFT
swift build -c release --product BenchTracking
.build/release/BenchTracking "$video"
