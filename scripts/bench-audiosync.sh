#!/usr/bin/env bash
# Benchmark (figures, not assertions) of a portrait speaking: festival speech of ~30 s and ~5 min
# (the ten Harvard sentences of list 1, read by the kal diphone voice; the 5 min clip is the
# 30 s one ten times over), and for each:
#
# 1. speech analysis alone on one core (`taskset -c 0 facet preview --frames 1`, caches off, so
#    the analysis runs and only one frame is rendered): its seconds and real-time factor, from
#    the report's `speech` entry; phones recognised (the talk preset has no transcript), and for
#    the 30 s clip also aligned to its text;
# 2. `facet apply` of Samples/astronaut.png on a 1280x720 canvas with --audio and --preset talk,
#    end to end (process wall time, so model loading and the speech analysis count; caches off),
#    median fps of RUNS runs, and peak RSS (/usr/bin/time; the median and the largest of the runs:
#    it varies from run to run);
# 3. the reference, measured in the same run: the same apply with --preset smile (same still,
#    audio and length; no speech analysis, every frame edited).
#
#   bash scripts/bench-audiosync.sh          # uses .build/release/facet; make bench-audiosync builds it
#   FACET=path/to/facet RUNS=1 bash scripts/bench-audiosync.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FACET=${FACET:-.build/release/facet}
RUNS=${RUNS:-3}
WORK=${WORK:-out/bench}
mkdir -p "$WORK"
[ -x "$FACET" ] || { echo "bench: $FACET not found; run 'swift build -c release' first" >&2; exit 1; }
command -v text2wave > /dev/null || { echo "bench: text2wave not found (apt install festival festvox-kallpc16k)" >&2; exit 1; }

# The portrait on a 1280x720 grey canvas: the output video is 720p.
still="$WORK/astronaut-720p.png"
[ -f "$still" ] || ffmpeg -nostdin -v error -y -f lavfi -i color=gray:s=1280x720:d=1 -i Samples/astronaut.png \
  -filter_complex "[1]scale=680:680[a];[0][a]overlay=x=300:y=20" -frames:v 1 "$still"

# ~30 s of speech, and ~5 min (the same ten times over).
text="$WORK/harvard-1.txt"
cat > "$text" <<'TEXT'
The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.
It's easy to tell the depth of a well. These days a chicken leg is a rare dish.
Rice is often served in round bowls. The juice of lemons makes fine punch.
The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage.
Four hours of steady work faced us. A large size in stockings is hard to sell.
TEXT
short="$WORK/speech-30s.wav"
long="$WORK/speech-5min.wav"
# festival reads the ten sentences in ~31 s (resampled to 16 kHz mono, as the analyser takes)
[ -f "$short" ] || text2wave -eval '(voice_kal_diphone)' -F 16000 -o "$short" "$text"
if [ ! -f "$long" ]; then
  sox $(for _ in $(seq 10); do echo "$short"; done) "$long"
fi

echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo)"
for clip in "$short" "$long"; do
  seconds=$(soxi -D "$clip")
  echo "== speech analysis on one core: $clip ($(printf '%.1f' "$seconds") s)"
  for words in "" "$text"; do
    [ -n "$words" ] && [ "$clip" = "$long" ] && continue  # a 5 min transcript is one huge grammar
    set_args=()
    [ -n "$words" ] && set_args=(--set "transcript=$words")
    taskset -c 0 "$FACET" preview "$still" --audio "$clip" --preset talk "${set_args[@]}" --frames 1 --no-cache \
      -o "$WORK/audiosync-sheet.png" -y --json > "$WORK/audiosync-analysis.json" 2> "$WORK/audiosync-analysis.err" \
      || { cat "$WORK/audiosync-analysis.err" >&2; exit 1; }
    python3 - "$WORK/audiosync-analysis.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for s in report["speech"]:
    print(f"  {s['method']}: {s['phones']} phones in {s['analysisSeconds']:.2f} s "
          f"(real-time factor {s['analysisSeconds'] / s['duration']:.3f})")
PY
  done
done

# One apply, RUNS times: median end-to-end fps and peak RSS; $1 label, $2 audio, $3 preset.
apply() {
  local label=$1 clip=$2 preset=$3
  for run in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    /usr/bin/time -o "$WORK/audiosync-time.txt" -f "%M" \
      "$FACET" apply "$still" --audio "$clip" --preset "$preset" --no-cache -o "$WORK/audiosync-out.mp4" --overwrite --json \
      > "$WORK/audiosync-$label-$run.json" 2> "$WORK/audiosync-$label-$run.err" \
      || { cat "$WORK/audiosync-$label-$run.err" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$start $end $(tail -n 1 "$WORK/audiosync-time.txt")" > "$WORK/audiosync-$label-$run.wall"
  done
  python3 - "$WORK" "$label" "$RUNS" "$preset" <<'PY'
import json, statistics, sys
work, label, runs, preset = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
reports, walls, peaks = [], [], []
for i in range(1, runs + 1):
    reports.append(json.load(open(f"{work}/audiosync-{label}-{i}.json")))
    start, end, rss = open(f"{work}/audiosync-{label}-{i}.wall").read().split()
    walls.append(float(end) - float(start))
    peaks.append(int(rss))
r = reports[0]
frames = r["frames"]
speech = "; ".join(f"speech {s['method']}, {s['phones']} phones, {s['analysisSeconds']:.1f} s" for s in r["speech"]) or "no speech"
print(f"  {preset:5} end to end: {statistics.median(frames / w for w in walls):6.1f} fps, "
      f"{statistics.median(walls):7.1f} s for {frames} frames, peak RSS median {statistics.median(peaks) / 1024:.0f} MiB "
      f"(largest {max(peaks) / 1024:.0f}) ({speech})")
for w in r["warnings"]: print(f"        warning: {w}")
PY
}

for clip in "$short" "$long"; do
  label=$(basename "$clip" .wav)
  echo "== facet apply $still (1280x720) --audio $clip, $RUNS runs, median"
  apply "$label-talk" "$clip" talk
  apply "$label-smile" "$clip" smile
done
