#!/usr/bin/env bash
# Runs the commands of Docs/Plugins.md's "Your first plugin in under ten commands" exactly as the
# page writes them (the fenced block marked `sh newcomer-path`), in an empty temporary folder
# with the built facet (FACET, default .build/debug/facet) first on PATH and PORTRAIT set to the
# sample portrait, then checks that `facet effects` listed the new plugin and the video was made.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
facet=${FACET:-$repo/.build/debug/facet}
fail() { echo "newcomer-path: FAILED — $*" >&2; exit 1; }
[ -x "$facet" ] || { echo "newcomer-path: $facet is not built; run \`make examples\` (or swift build) first" >&2; exit 1; }

commands=$(awk '/^```sh newcomer-path$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' "$repo/Docs/Plugins.md")
[ -n "$commands" ] || fail "Docs/Plugins.md has no \`\`\`sh newcomer-path block"
count=$(printf '%s\n' "$commands" | grep -cv '^[[:space:]]*\(#.*\)\?$')
[ "$count" -lt 10 ] || fail "the newcomer's path has $count commands; the page promises under ten"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/first-plugin"
ln -s "$facet" "$work/bin/facet"
log="$work/commands.log"
started=$(date +%s)
if ! (cd "$work/first-plugin" && PATH="$work/bin:$PATH" PORTRAIT="$repo/Samples/astronaut.png" FACET_PLUGIN_PATH= \
  bash -euo pipefail -c "$commands") > "$log" 2>&1; then
  tail -n 40 "$log" >&2
  fail "a command of the newcomer's path failed (the last lines above)"
fi
grep -q "com.example.soft-tilt" "$log" || { cat "$log" >&2; fail "facet effects did not list the new plugin"; }
grep -q "angle" "$log" || fail "facet effects did not show the new plugin's parameter table"
[ -s "$work/first-plugin/tilted.mp4" ] || fail "facet apply wrote no tilted.mp4"
echo "newcomer-path: the $count commands of Docs/Plugins.md made, built, tested, listed and applied a new plugin in $(($(date +%s) - started)) s"
