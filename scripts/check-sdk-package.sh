#!/usr/bin/env bash
# Proves that plugins built outside Facet's package work, with the two examples that
# `make examples` has built (Examples/SwiftPlugin in release, Examples/CPlugin):
# - the SDK side stays small: the products a plugin depends on (FacetSDK, FacetPluginKit and
#   what they pull in) use no unsafe flags, which SwiftPM refuses in a dependency by URL, and
#   building the Swift example compiled none of Facet's media, analysis or host code;
# - the example's package loads in the by-URL-and-version form its README shows;
# - the `facet` binary (FACET, default .build/debug/facet) loads both libraries, lists their
#   effects with their parameter tables, validates chains against their schemas, and runs them
#   next to a built-in effect, giving them the audio and the face model they ask for.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
swift_library="$repo/Examples/SwiftPlugin/.build/release/libFacetExamples.so"
c_library="$repo/Examples/CPlugin/build/libblink-every.so"
facet=${FACET:-$repo/.build/debug/facet}
fail() { echo "sdk-check: FAILED — $*" >&2; exit 1; }

for needed in "$swift_library" "$c_library" "$facet"; do
  if [ ! -e "$needed" ]; then
    echo "sdk-check: $needed is not built; run \`make examples\` (it builds facet and both examples first)" >&2
    exit 1
  fi
done

# The SDK products a plugin depends on: no unsafe flags anywhere in them.
(cd "$repo" && swift package dump-package) | python3 -c '
import json, sys
targets = {t["name"]: t for t in json.load(sys.stdin)["targets"]}
todo, seen = ["FacetSDK", "FacetPluginKit"], set()
while todo:
    name = todo.pop()
    if name in seen: continue
    seen.add(name)
    target = targets[name]
    if "unsafeFlags" in json.dumps(target.get("settings", [])):
        sys.exit(f"sdk-check: FAILED — target {name}, part of the plugin SDK, uses unsafe flags, which SwiftPM refuses in a dependency by URL")
    for dependency in target.get("dependencies", []):
        todo += [value[0] for value in dependency.values() if isinstance(value, list) and isinstance(value[0], str)]
print("sdk-check: the plugin SDK is " + ", ".join(sorted(seen)) + ", without unsafe flags")
'
modules=$(ls "$repo/Examples/SwiftPlugin/.build/release/Modules")
if echo "$modules" | grep -Eq '^(FacetMedia|FacetAnalysis|FacetHost|FacetRender|FacetNeural)\.'; then
  fail "building the Swift example compiled Facet's media/host code: $(echo "$modules" | tr '\n' ' ')"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The by-URL-and-version form the example's README shows: the same package depending on a tagged
# clone of the committed tree, as a package URL would give it; its package graph must load
# (resolution by version, products found under the URL's package name "facet"). Not built again.
git clone -q "$repo" "$work/facet"
git -C "$work/facet" -c user.name=check -c user.email=check@localhost tag 0.10.0
mkdir "$work/by-url"
cp -R "$repo/Examples/SwiftPlugin/Sources" "$repo/Examples/SwiftPlugin/Tests" "$work/by-url/"
sed -e "s|\.package(name: \"Facet\", path: \"\.\./\.\.\")|.package(url: \"$work/facet\", from: \"0.10.0\")|" \
  -e 's|package: "Facet")|package: "facet")|g' "$repo/Examples/SwiftPlugin/Package.swift" > "$work/by-url/Package.swift"
grep -q 'from: "0.10.0"' "$work/by-url/Package.swift" || fail "could not turn the example's manifest into the by-URL form"
described=$(cd "$work/by-url" && swift package describe 2>&1) || fail "the example's package by URL and version does not load: $described"
echo "$described" | grep -q "FacetExamplesPlugin" || fail "the by-URL package lacks its plugin target: $described"

mkdir -m 755 "$work/plugins"
cp "$swift_library" "$c_library" "$work/plugins/"
export FACET_PLUGIN_PATH="$work/plugins"

listed=$("$facet" effects)
for id in org.facet.examples.gaze-to-camera org.facet.examples.beat-nod org.facet.examples.blink-every; do
  echo "$listed" | grep -q "$id" || fail "facet effects does not list $id: $listed"
done
described=$("$facet" effects gaze-to-camera)
echo "$described" | grep -q "strength" || fail "the Swift plugin's parameter table is missing: $described"
described=$("$facet" effects blink-every)
echo "$described" | grep -q "interval" || fail "the C plugin's parameter table is missing: $described"
bad=$("$facet" apply /nonexistent.mp4 -o "$work/o.mp4" --chain 'gaze-to-camera:strength=2' 2>&1 || true)
echo "$bad" | grep -q "above the maximum 1" || fail "the Swift plugin's parameters were not validated: $bad"
bad=$("$facet" apply /nonexistent.mp4 -o "$work/o.mp4" --chain 'blink-every:interval=0.1' 2>&1 || true)
echo "$bad" | grep -q "below the minimum 0.5" || fail "the C plugin's parameters were not validated: $bad"

# Both libraries in one chain with a built-in effect, on a clip with a click every half second:
# beat-nod gets the audio (no "no audio" warning) and blink-every the face model (no "no face
# model" warning). The clip has no face, so this checks what crosses the ABI, not the edits
# (Tests/FacetCLITests/ExamplePluginCLITests.swift sees those on a real face).
ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=25:duration=2 \
  -f lavfi -i "aevalsrc='0.8*sin(2*PI*1000*t)*lt(mod(t,0.5),0.01)':s=16000:d=2" \
  -c:v libx264 -preset ultrafast -c:a aac "$work/clicks.mp4"
# The frame count to expect is the clip's own, as ffprobe counts it (not a constant: how many
# frames a muxer keeps at the end of a clip is ffmpeg's business, not Facet's).
clip_frames=$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$work/clicks.mp4")
report=$("$facet" apply "$work/clicks.mp4" -o "$work/out.mp4" --json \
  --chain 'direct-edit:smile=0.3 | gaze-to-camera:strength=1 | beat-nod:depth=8 | blink-every:interval=1:duration=0.2') \
  || fail "facet apply refused the plugins' chain: $report"
problems=$(CLIP_FRAMES="$clip_frames" python3 -c '
import json, os, sys
report = json.load(sys.stdin)
expected = int(os.environ["CLIP_FRAMES"])
frames, chain = report.get("frames"), report.get("chain", "")
if frames != expected:
    print(f"the output has {frames} frames; the clip has {expected}")
if "org.facet.examples.blink-every" not in chain:
    print(f"the chain that ran lacks blink-every: {chain}")
for warning in report.get("warnings", []):
    if "no audio" in warning or "no face model" in warning:
        print(f"a plugin did not get its audio or face model: {warning}")
' <<< "$report") || fail "facet apply printed a report that is not JSON: $report"
[ -z "$problems" ] || fail "applying the plugins' chain: $problems (report: $report)"
# Without sound beat-nod says so, through the host's warning callback.
ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=25:duration=1 -c:v libx264 -preset ultrafast "$work/silent.mp4"
report=$("$facet" apply "$work/silent.mp4" -o "$work/out2.mp4" --json --chain 'beat-nod')
echo "$report" | grep -q 'the input has no audio' || fail "beat-nod did not warn about the missing audio: $report"
# The checker plugin authors run in CI passes both examples (every effect in a child process).
for library in "$work/plugins/libFacetExamples.so" "$work/plugins/libblink-every.so"; do
  checked=$("$facet" plugins check "$library") || fail "facet plugins check refused $(basename "$library"): $checked"
done
echo "sdk-check: facet loaded the Swift and C example plugins, listed and validated their effects, ran them in a chain with direct-edit, and facet plugins check passed both"
