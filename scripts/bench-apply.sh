#!/usr/bin/env bash
# Benchmark (figures, not assertions) of a whole edit, `facet apply --preset PRESET`, on 10 s of
# 1280x720 30 fps single-face video (the shared astronaut portrait swaying on a grey canvas, the
# same clip as bench-analysis.sh): end-to-end fps (decode, analysis, chain, render, encode; wall
# time from process start, so model loading counts), the median of RUNS runs, and peak RSS (when
# /usr/bin/time is there). Then `facet preview` of the same edit (4 frames, no video encoded).
# The renderer is whatever `facet apply` picks by default (geometric without PIRender weights). The
# default preset, smile, edits every frame: the renderer's worst case.
#
#   bash scripts/bench-apply.sh               # uses .build/release/facet; make bench-apply builds it
#   FACET=path/to/facet RUNS=5 PRESET=nod bash scripts/bench-apply.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-smile}
source scripts/bench-common.sh

timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -o "$WORK/apply-time.txt" -f "%e %M"); fi

echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//')"
echo "== facet apply --preset $PRESET: $clip (1280x720, 30 fps, 10 s), $RUNS runs, median"
for run in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  "${timer[@]}" "$FACET" apply "$clip" --preset "$PRESET" -o "$WORK/apply-out.mp4" --overwrite --json \
    > "$WORK/apply-$run.json" 2> "$WORK/apply-$run.err"
  end=$(date +%s.%N)
  rss=""
  [ ${#timer[@]} -gt 0 ] && rss=$(tail -n 1 "$WORK/apply-time.txt" | awk '{print $2}')
  echo "$start $end $rss" > "$WORK/apply-$run.wall"
done
python3 - "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
reports, walls, peaks = [], [], []
for i in range(1, runs + 1):
    reports.append(json.load(open(f"{work}/apply-{i}.json")))
    start, end, *rss = open(f"{work}/apply-{i}.wall").read().split()
    walls.append(float(end) - float(start))
    if rss: peaks.append(int(rss[0]))
r = reports[0]
frames = r["frames"]
print(f"  end to end (process wall time): {statistics.median(frames / w for w in walls):.1f} fps, "
      f"{statistics.median(walls):.2f} s for {frames} frames")
print(f"  inside the pipeline (report):   {statistics.median(x['framesPerSecond'] for x in reports):.1f} fps")
print(f"  faces {r['faces']}, analysis: {r['analysis']}, renderer: {r['renderer']}")
t = [x["timings"] for x in reports]
print(f"  analysis {statistics.median(x['analysisSeconds'] for x in t):.2f} s, effects {1000 * statistics.median(x['effectsSeconds'] for x in t):.1f} ms, "
      f"render {statistics.median(x['renderSeconds'] for x in t):.2f} s for {t[0]['editedFaceFrames']} edited face-frames "
      f"({statistics.median(1000 * x['renderSeconds'] / max(x['editedFaceFrames'], 1) for x in t):.2f} ms per face)")
print(f"  peak RSS: {max(peaks) / 1024:.0f} MiB" if peaks else "  peak RSS: skipped (no /usr/bin/time)")
for w in r["warnings"]: print(f"  warning: {w}")
PY

echo "== facet preview --preset $PRESET (4 frames, contact sheet only)"
start=$(date +%s.%N)
"$FACET" preview "$clip" --preset "$PRESET" -o "$WORK/apply-sheet.png" -y --quiet
end=$(date +%s.%N)
python3 -c "print(f'  {float($end) - float($start):.2f} s; sheet: $WORK/apply-sheet.png')"
