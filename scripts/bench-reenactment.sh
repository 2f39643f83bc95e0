#!/usr/bin/env bash
# Benchmark (figures, not assertions) of reenactment: `facet apply --chain 'reenactment:driver=…'`
# on the 10 s 1280x720 30 fps single-face clip of bench-common.sh, driven by a 10 s driver
# (carphone, 176x144 30 fps, looped to 10 s). The first run analyses the driver and fills a fresh
# cache; the RUNS runs after it find the driver in the cache and analyse only the source. Printed:
# the driver's analysis time (first run), end-to-end fps of the cached runs (process wall time,
# model loading included; median), and, measured in the same run for comparison, the same clip
# with the smile preset (no driver): the ratio says what the driver adds.
#
#   bash scripts/bench-reenactment.sh         # uses .build/release/facet; make bench-reenact builds it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

driver="$WORK/carphone-10s.mp4"
[ -f "$driver" ] || ffmpeg -nostdin -v error -y -stream_loop 3 -i "$SHARED/media/carphone_pristine.mp4" -t 10 \
  -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p "$driver"
cache="$WORK/reenact-cache"
rm -rf "$cache"

echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//')"
echo "== facet apply --chain 'reenactment:driver=carphone-10s.mp4': $clip (1280x720, 30 fps, 10 s)"
run() {  # run NAME ARGS... : one timed apply, its JSON report in $WORK/NAME.json, wall seconds in $WORK/NAME.wall
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  FACET_CACHE_DIR="$cache" "$FACET" apply "$clip" -o "$WORK/$name.mp4" --overwrite --json "$@" > "$WORK/$name.json" 2> "$WORK/$name.err"
  end=$(date +%s.%N)
  python3 -c "print($end - $start)" > "$WORK/$name.wall"
}
run reenact-first --chain "reenactment:driver=$driver"
for i in $(seq "$RUNS"); do
  run "reenact-$i" --chain "reenactment:driver=$driver"
  run "smile-$i" --preset smile
done
python3 - "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def load(name): return json.load(open(f"{work}/{name}.json")), float(open(f"{work}/{name}.wall").read())
first, first_wall = load("reenact-first")
d = first["drivers"][0]
print(f"  first run: driver analysed in {d['analysisSeconds']:.2f} s ({d['frames']} frames, "
      f"{d['frames'] / max(d['analysisSeconds'], 1e-9):.1f} fps), whole run {first_wall:.2f} s")
cached = [load(f"reenact-{i}") for i in range(1, runs + 1)]
smile = [load(f"smile-{i}") for i in range(1, runs + 1)]
assert all(r["drivers"][0]["fromCache"] for r, _ in cached), "a cached run analysed the driver again"
frames = cached[0][0]["frames"]
fps = statistics.median(frames / w for _, w in cached)
smile_fps = statistics.median(r["frames"] / w for r, w in smile)
t = [r["timings"] for r, _ in cached]
print(f"  cached runs (driver from the cache, no driver analysis): {fps:.1f} fps end to end, median of {runs} "
      f"({statistics.median(w for _, w in cached):.2f} s for {frames} frames)")
print(f"  of which: source analysis {statistics.median(x['analysisSeconds'] for x in t):.2f} s, driver preparation "
      f"{statistics.median(x['drivingSeconds'] for x in t):.3f} s, effects {1000 * statistics.median(x['effectsSeconds'] for x in t):.0f} ms, "
      f"render {statistics.median(x['renderSeconds'] for x in t):.2f} s "
      f"({statistics.median(1000 * x['renderSeconds'] / max(x['editedFaceFrames'], 1) for x in t):.2f} ms per face)")
print(f"  same clip, --preset smile, same run: {smile_fps:.1f} fps; reenactment / smile = {fps / smile_fps:.2f}")
for w in cached[0][0]["warnings"]: print(f"  warning: {w}")
PY
