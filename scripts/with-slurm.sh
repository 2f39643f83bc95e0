#!/usr/bin/env bash
# Runs COMMAND with a private one-node Slurm cluster up (scripts/slurm-local.sh), for the tests of
# `facet batch --slurm` that submit real jobs:
#
#   scripts/with-slurm.sh swift test --filter SlurmBatchTests
#
# COMMAND sees SLURM_CONF (pointing at the cluster's slurm.conf, which every sbatch/squeue/scontrol
# reads) and FACET_SLURM_LOCAL=1, which tells the tests that a real cluster answers; tests that need
# one skip themselves without it. The cluster and its directory are removed however COMMAND ends
# (including Ctrl-C), and the script exits with COMMAND's status.
#
# When the cluster cannot start (Slurm or munge missing, a daemon refusing to run), CI=true makes
# that a failure, since CI must exercise the real thing; elsewhere a warning is printed and COMMAND
# still runs without SLURM_CONF, so that a developer without Slurm can run the rest of the suite.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)

# munge's socket path lives in the directory and must stay short (a unix socket path is at most 107
# bytes); a long TMPDIR falls back to /tmp.
base="${TMPDIR:-/tmp}"
[ ${#base} -le 40 ] || base=/tmp
dir=$(mktemp -d "$base/facet-slurm.XXXXXX")

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
  "$here/slurm-local.sh" stop "$dir" || echo "with-slurm: warning: stopping the cluster in $dir failed" >&2
  rm -rf "$dir"
}
trap cleanup EXIT
# On Ctrl-C (which COMMAND, in the same process group, gets too) or a TERM, wait for COMMAND to end,
# then exit with the usual 128+N status through the EXIT trap: stopping the cluster while COMMAND
# still runs would make its last sbatch calls fail for the wrong reason.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if exports=$("$here/slurm-local.sh" start "$dir"); then
  eval "$exports"
  export FACET_SLURM_LOCAL=1
else
  if [ "${CI:-}" = true ]; then
    echo "with-slurm: error: the local Slurm cluster did not start (see above); CI needs it" >&2
    exit 1
  fi
  echo "with-slurm: warning: the local Slurm cluster did not start (see above);" \
    "running without it, so the tests that need Slurm will skip" >&2
  # A SLURM_CONF from the caller's environment would point the tests at some other cluster.
  unset SLURM_CONF FACET_SLURM_LOCAL
fi

# Not exec: the EXIT trap has to outlive COMMAND to stop the cluster.
status=0
"$@" || status=$?
exit "$status"
