# Shared set-up of the benchmark scripts (sourced, not run): the facet binary, the work folder,
# the shared media, and the 10 s 1280x720 30 fps single-face clip both benchmarks use (the shared
# astronaut portrait swaying on a grey canvas), made once in $WORK.
FACET=${FACET:-.build/release/facet}
RUNS=${RUNS:-3}
WORK=${WORK:-out/bench}
SHARED=${FACET_SHARED_DIR:-../shared}
mkdir -p "$WORK"
[ -x "$FACET" ] || { echo "bench: $FACET not found; run 'swift build -c release' first" >&2; exit 1; }
[ -f "$SHARED/media/astronaut.png" ] || { echo "bench: $SHARED/media/astronaut.png not found (set FACET_SHARED_DIR)" >&2; exit 1; }

clip="$WORK/face-720p30-10s.mp4"
[ -f "$clip" ] || ffmpeg -nostdin -v error -y -f lavfi -i color=gray:s=1280x720:r=30:d=10 \
  -loop 1 -i "$SHARED/media/astronaut.png" \
  -filter_complex "[1]scale=900:900[a];[0][a]overlay=x='190+200*sin(2*PI*t/4)':y='-60+30*sin(2*PI*t/3)':shortest=1" \
  -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p "$clip"
