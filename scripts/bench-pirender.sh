#!/usr/bin/env bash
# Benchmark of the PIRender generator (issue 4): default config, 256x256, random weights,
# 2 compute threads, median of 10 runs after 3 warm-up runs; per-stage milliseconds and memory.
#
#   scripts/bench-pirender.sh [extra `facet pirender --benchmark` options, e.g. --weights FILE]
#
# OpenBLAS picks its kernels when it loads; OPENBLAS_CORETYPE overrides the choice. If the
# environment pins a family other than SkylakeX (the development machines set Haswell, AVX2),
# this script runs the benchmark as the environment says and then, when the CPU has AVX-512,
# once more with SkylakeX kernels, so both figures are visible.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product facet >/dev/null
facet=.build/release/facet

echo "== machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}"
"$facet" pirender --benchmark --threads 2 --runs 10 "$@"

if [[ -n "${OPENBLAS_CORETYPE:-}" && "${OPENBLAS_CORETYPE,,}" != "skylakex" ]] && grep -qw avx512f /proc/cpuinfo; then
    echo
    echo "== the same with OPENBLAS_CORETYPE=SkylakeX (AVX-512 kernels)"
    OPENBLAS_CORETYPE=SkylakeX "$facet" pirender --benchmark --threads 2 --runs 10 "$@"
fi
