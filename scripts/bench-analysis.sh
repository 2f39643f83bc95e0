#!/usr/bin/env bash
# Benchmark (figures, not assertions) of face analysis, through `facet analyze --json`:
#  - speed on 10 s of 1280x720 30 fps single-face video (the shared astronaut portrait swaying on a
#    grey canvas, face box ~175 px): whole-analysis fps including decode, and detection, landmark
#    and per-face fit times separately (median of RUNS runs);
#  - the fit on its own: synthetic 68-point frames of the Surrey model, mean and p95 per frame;
#  - quality: reprojection error / inter-ocular distance on astronaut.png and carphone, and
#    landmark and pose jitter on the astronaut as a 10 s still video (raw and smoothed).
#
# Absolute speeds drift between runs on shared machines: REFERENCE=path/to/another/facet (e.g. a
# build of an earlier commit) is timed in the same run, interleaved, and the ratio printed.
#
#   bash scripts/bench-analysis.sh             # uses .build/release/facet; make bench builds it
#   FACET=path/to/facet RUNS=5 bash scripts/bench-analysis.sh
#   REFERENCE=/tmp/facet-old bash scripts/bench-analysis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
still="$WORK/astronaut-still-10s.mp4"
[ -f "$still" ] || ffmpeg -nostdin -v error -y -loop 1 -framerate 30 -t 10 -i "$SHARED/media/astronaut.png" \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p "$still"

echo "== analysis speed: $clip (1280x720, 30 fps, 300 frames), $RUNS runs, median"
for run in $(seq "$RUNS"); do
  "$FACET" analyze "$clip" --json > "$WORK/analysis-$run.json"
  if [ -n "${REFERENCE:-}" ]; then "$REFERENCE" analyze "$clip" --json > "$WORK/reference-$run.json"; fi
done
python3 - "$WORK" "$RUNS" "${REFERENCE:-}" <<'PY'
import json, os, statistics, sys
work, runs, reference = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reports = [json.load(open(f"{work}/analysis-{i}.json")) for i in range(1, runs + 1)]
def median(key): return statistics.median(r["timings"][key] for r in reports)
t = reports[0]["timings"]
frames = t["frames"]
fps = statistics.median(r["timings"]["frames"] / r["timings"]["totalSeconds"] for r in reports)
det = statistics.median(r["timings"]["detectionSeconds"] * 1000 / max(1, r["timings"]["detectionPasses"]) for r in reports)
lm = statistics.median(r["timings"]["landmarkSeconds"] * 1000 / max(1, r["timings"]["landmarkPredictions"]) for r in reports)
fit = statistics.median(r["timings"]["frameFitSeconds"] * 1000 / max(1, r["timings"]["faceFrames"]) for r in reports)
print(f"  whole analysis incl. decode: {fps:.1f} fps ({frames} frames, {len(reports[0]['faces'])} face)")
print(f"  detection: {det:.2f} ms per pass, {t['detectionPasses']} passes ({median('detectionSeconds')*1000/frames:.2f} ms per frame amortised)")
print(f"  landmarks: {lm:.2f} ms per prediction, {t['landmarkPredictions']} predictions ({median('landmarkSeconds')*1000/frames:.2f} ms per frame)")
print(f"  fit (pose + expression, identity known): {fit*1000:.0f} us per face-frame; identity over the track: {median('identityFitSeconds')*1000:.1f} ms")
print(f"  luma: {median('lumaSeconds')*1000/frames:.2f} ms per frame; smoothing: {median('smoothingSeconds')*1000:.1f} ms total; model loading {median('loadSeconds'):.2f} s (not counted)")
thorough = statistics.median(r["timings"].get("thoroughSearchSeconds", 0) for r in reports)
print(f"  thorough search (first frame: tiles at the 32 px scale and turned copies, on two threads): {thorough*1000:.0f} ms "
      f"= {thorough*1000/frames:.2f} ms per frame over the clip; coarse searches on the second thread: {t.get('concurrentSearches', 0)}")
if reference:
    others = [json.load(open(f"{work}/reference-{i}.json")) for i in range(1, runs + 1)]
    ref = statistics.median(r["timings"]["frames"] / r["timings"]["totalSeconds"] for r in others)
    print(f"  reference {reference}: {ref:.1f} fps in the same run; ratio {fps / ref:.2f}")
PY

echo "== the fit alone (synthetic Surrey-model frames)"
"$FACET" analyze --benchmark-fit

echo "== quality"
for input in "$SHARED/media/astronaut.png" "$SHARED/media/carphone_pristine.mp4" "$still"; do
  for mode in smoothed raw; do
    flag=""; [ "$mode" = raw ] && flag="--no-smoothing"
    "$FACET" analyze "$input" --json $flag > "$WORK/quality.json"
    python3 - "$WORK/quality.json" "$(basename "$input")" "$mode" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = r["statistics"]
faces = r["faces"]
tracked = sum(f["frames"] for f in faces)
def fmt(v, unit, scale=1, digits=3): return "n/a" if v is None else f"{v*scale:.{digits}f}{unit}"
print(f"  {sys.argv[2]:28s} {sys.argv[3]:8s} faces {len(faces)}, face-frames {tracked}/{r['frames']}, "
      f"reprojection {fmt(s.get('normalisedReprojectionError'), '%', 100, 2)} of the eye distance "
      f"({fmt(s.get('meanFitError'), ' px', 1, 2)}), jitter: landmarks {fmt(s.get('landmarkJitter'), ' px')}, "
      f"pose {fmt(s.get('poseJitterRMSDegrees'), ' deg')}")
PY
  done
done
