#!/usr/bin/env bash
# Installs the Debian packages Facet builds and tests with, when any is missing.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

packages=(
  pkg-config
  # FFmpeg 5.1 libraries (media I/O) and the ffmpeg tool (test media, benchmarks)
  libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
  ffmpeg
  # face analysis: dlib (HOG detector, 68-point shape predictor and its model file) and the
  # libraries Debian's dlib links against
  libdlib-dev libdlib-data libjpeg-dev libpng-dev
  # neural engine: OpenBLAS sgemm (and LAPACK, which dlib needs at link time)
  libopenblas-dev liblapack-dev
  # speech analysis: pocketsphinx and its US English model; festival voices whose segment timings
  # are the speech tests' ground truth
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  festival festvox-kallpc16k festvox-us-slt-hts
  # the C plugin example (Examples/CPlugin) reads and writes the plugin ABI's JSON with cJSON
  libcjson-dev
  # peak-memory figures in benchmarks
  time
  # `facet batch --slurm` tests: a private one-node Slurm cluster on localhost
  # (scripts/slurm-local.sh, scripts/with-slurm.sh) and the munge daemon it authenticates with
  slurm-wlm munge
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
