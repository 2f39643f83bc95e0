#!/usr/bin/env bash
# Reenactment on every photograph of the shared real-face set (figures, not assertions): each
# face, scaled to 480 px high, is driven by the shared carphone clip (relative mode, reference
# first, 30 fps, 4 s). The output is analysed again from its pixels and compared with carphone
# frame by frame in time: the pose and expression changes (APD/AED with the median offset taken
# away), the frames where the face is found, and the eye-distance / eyes-to-chin ratio of the
# output against the photograph's own (identity kept) and against carphone's.
#
#   bash scripts/measure-reenactment-faces.sh      # make quality-reenact builds the release first
set -euo pipefail
cd "$(dirname "$0")/.."
FACET=${FACET:-.build/release/facet}
WORK=${WORK:-out/reenact-faces}
SHARED=${FACET_SHARED_DIR:-../shared}
faces="$SHARED/media/faces"
driver="$SHARED/media/carphone_pristine.mp4"
[ -x "$FACET" ] || { echo "measure: $FACET not found; run 'swift build -c release' first" >&2; exit 1; }
[ -d "$faces" ] && [ -f "$driver" ] || { echo "measure: $faces or $driver not found (set FACET_SHARED_DIR)" >&2; exit 1; }
mkdir -p "$WORK"

"$FACET" analyze "$driver" -o "$WORK/driver.motion.json" --overwrite --quiet
for photo in "$faces"/*.jpg "$faces"/*.png; do
  [ -f "$photo" ] || continue
  name=$(basename "${photo%.*}")
  ffmpeg -nostdin -v error -y -i "$photo" -vf "scale=-2:480" "$WORK/$name.png"
  "$FACET" analyze "$WORK/$name.png" -o "$WORK/$name.source.json" --overwrite --quiet || { echo "$name: no face in the photograph"; continue; }
  "$FACET" apply "$WORK/$name.png" -o "$WORK/$name.mp4" --overwrite --quiet --renderer geometric \
    --chain "reenactment:driver=$driver:reference=first" --contact-sheet "$WORK/$name-sheet.png" 2> "$WORK/$name.err" \
    || { echo "$name: apply failed: $(tail -1 "$WORK/$name.err")"; continue; }
  "$FACET" analyze "$WORK/$name.mp4" -o "$WORK/$name.output.json" --overwrite --quiet || echo "$name: no face in the output"
done

python3 - "$WORK" <<'PY'
import glob, json, math, os, statistics, sys
work = sys.argv[1]
def track(path):
    motion = json.load(open(path))["motion"]
    # The largest face: the one the driver drives with faces=all and the one we look at.
    return max(motion["tracks"], key=lambda t: statistics.median(f["box"]["width"] for f in t["frames"] if f.get("box"))) if motion["tracks"] else None
def pose(f): p = f["coefficients"]["pose"]; return [math.degrees(p[k]) for k in ("yaw", "pitch", "roll")]
def ratio(points):
    def centre(a, b): xs = points[a:b]; return (sum(p["x"] for p in xs) / len(xs), sum(p["y"] for p in xs) / len(xs))
    r, l = centre(36, 42), centre(42, 48)
    mid = ((r[0] + l[0]) / 2, (r[1] + l[1]) / 2)
    chin = (points[8]["x"], points[8]["y"])
    return math.dist(r, l) / math.dist(mid, chin)
def median_ratio(t): return statistics.median(ratio(f["landmarks"]) for f in t["frames"] if f.get("landmarks"))
driver = track(f"{work}/driver.motion.json")
by_time = {round(f["time"], 3): f for f in driver["frames"]}
driver_ratio = median_ratio(driver)
print(f"{'face':10} {'found':>7} {'APD chg':>8} {'AED chg':>8} {'ratio src':>9} {'output':>8} {'carphone':>9}")
rows = []
for source_path in sorted(glob.glob(f"{work}/*.source.json")):
    name = os.path.basename(source_path)[: -len(".source.json")]
    output_path = f"{work}/{name}.output.json"
    source = track(source_path)
    output = track(output_path) if os.path.exists(output_path) else None
    if source is None or output is None:
        print(f"{name:10} face lost"); continue
    pairs = [(f, by_time.get(round(f["time"], 3))) for f in output["frames"]]
    pairs = [(a, b) for a, b in pairs if b is not None]
    def changes(values):
        columns = list(zip(*values))
        return statistics.mean(abs(v - statistics.median(c)) for c in columns for v in c)
    apd = changes([[x - y for x, y in zip(pose(a), pose(b))] for a, b in pairs])
    aed = changes([[x - y for x, y in zip(a["coefficients"]["expression"], b["coefficients"]["expression"])] for a, b in pairs])
    src, out = median_ratio(source), median_ratio(output)
    rows.append((apd, aed, out / src - 1))
    print(f"{name:10} {len(output['frames']):>3}/{len(driver['frames']):<3} {apd:>7.2f}° {aed:>8.3f} {src:>9.3f} {out:>7.3f} ({100 * (out / src - 1):+.1f}%) {driver_ratio:.3f} ({100 * (driver_ratio / src - 1):+.1f}%)")
if rows:
    print(f"median over {len(rows)} faces: APD of changes {statistics.median(r[0] for r in rows):.2f}°, AED of changes "
          f"{statistics.median(r[1] for r in rows):.3f}, shape ratio change {100 * statistics.median(abs(r[2]) for r in rows):.1f}%")
PY
echo "contact sheets: $WORK/*-sheet.png"
