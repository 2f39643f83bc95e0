#!/usr/bin/env bash
# Benchmark (figures, not assertions): `facet apply` with an empty chain against the plain
# `ffmpeg` transcode of the same file, and facet's peak memory for a short and a long input.
#
#   bash scripts/bench-passthrough.sh            # uses .build/release/facet
#   FACET=path/to/facet RUNS=3 bash scripts/bench-passthrough.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FACET=${FACET:-.build/release/facet}
RUNS=${RUNS:-3}
WORK=${WORK:-out/bench}
mkdir -p "$WORK"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed for peak memory; run make setup" >&2; exit 1; }
[ -x "$FACET" ] || { echo "bench: $FACET not found; run 'swift build -c release' first" >&2; exit 1; }

make_input() { # seconds -> path
  local path="$WORK/input-720p30-$1s.mp4"
  if [ ! -f "$path" ]; then
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$1" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$1" \
      -c:v libx264 -preset medium -crf 20 -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$path"
  fi
  echo "$path"
}

# Runs a command RUNS times; prints "median_seconds peak_rss_kib".
measure() {
  local times=() peak=0 line rss
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$WORK/time.txt" -f "%e %M" "$@" >/dev/null 2>&1
    line=$(tail -n 1 "$WORK/time.txt")
    times+=("${line% *}")
    rss=${line#* }
    [ "$rss" -gt "$peak" ] && peak=$rss
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $peak"
}

frames() { ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }

echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//')"
echo "runs per figure: $RUNS (median wall time; peak RSS over runs)"
short=$(make_input 20)
long=$(make_input 120)
n=$(frames "$short")

read -r ff_time ff_rss < <(measure ffmpeg -v error -y -i "$short" -c:v libx264 -preset veryfast -c:a copy "$WORK/ffmpeg-out.mp4")
read -r fa_time fa_rss < <(measure "$FACET" apply "$short" -o "$WORK/facet-out.mp4" --overwrite --quiet --crf 23 --x264-preset veryfast)
awk -v n="$n" -v ft="$ff_time" -v at="$fa_time" -v fr="$ff_rss" -v ar="$fa_rss" 'BEGIN {
  printf "pass-through, 1280x720 30 fps H.264 + AAC, 20 s (%d frames), x264 veryfast crf 23:\n", n
  printf "  ffmpeg -c:v libx264 -preset veryfast -c:a copy : %6.2f s  %6.1f fps  peak %6.1f MiB\n", ft, n/ft, fr/1024
  printf "  facet apply (empty chain)                     : %6.2f s  %6.1f fps  peak %6.1f MiB\n", at, n/at, ar/1024
  printf "  facet speed relative to ffmpeg: %.0f%%\n", 100*ft/at
}'
read -r l_time l_rss < <(RUNS=1 measure "$FACET" apply "$long" -o "$WORK/facet-out-long.mp4" --overwrite --quiet --crf 23 --x264-preset veryfast)
awk -v s="$fa_rss" -v l="$l_rss" -v t="$l_time" 'BEGIN {
  printf "facet peak memory: 20 s input %.1f MiB, 120 s input %.1f MiB (120 s run took %.1f s)\n", s/1024, l/1024, t
}'
