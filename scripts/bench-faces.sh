#!/usr/bin/env bash
# Figures (not assertions) of analysis on the real photographs of ../shared/media/faces: for each,
# `facet analyze --consistency` (the picture and its variants: scaled, mirrored, turned, as videos,
# side by side) summarised in one line: faces, the largest pose difference over the variants, the
# found share, and a still as a video's jitter after and before smoothing. The full reports are kept
# in $WORK/faces-*.json (`facet analyze --consistency IMAGE` prints one as a table).
#
#   bash scripts/bench-faces.sh          # uses .build/release/facet
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
faces="$SHARED/media/faces"
[ -d "$faces" ] || { echo "bench-faces: $faces not found (set FACET_SHARED_DIR)" >&2; exit 1; }
for image in "$faces"/*.jpg; do
  name=$(basename "${image%.*}")
  "$FACET" analyze --consistency "$image" --json > "$WORK/faces-$name.json"
  python3 - "$WORK/faces-$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
res = r["results"]
faces = ", ".join(f"{f['box']['height']:.0f} px" + ("" if f.get("pose") else " (too small)") for f in r["referenceFaces"])
dev = max((x["deviation"] for x in res if x.get("deviation") is not None), default=None)
found = [x["foundFrames"] / max(x["frames"], 1) for x in res if x["size"] >= 40]
def jit(kind):
    v = [x for x in res if x["variant"] in ("video, own size", "video 1280x720") and x.get("landmarkJitter") is not None]
    return (max(x[kind] for x in v) if v else None)
fails = sum(1 for x in res if x["failures"])
print(f"  {name:8s} faces {faces}; max pose Δ {dev if dev is None else round(dev, 2)}°; found ≥ "
      f"{min(found) * 100 if found else float('nan'):.0f}%; still as video jitter: "
      f"{jit('landmarkJitter') or 0:.3f} px / {jit('poseJitter') or 0:.3f}° smoothed, "
      f"{jit('rawLandmarkJitter') or 0:.3f} px / {jit('rawPoseJitter') or 0:.3f}° raw; {fails} of {len(res)} out of bounds")
PY
done
