#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on localhost, for testing `facet batch --slurm` against the
# real sbatch/squeue/scontrol rather than a fake.
#
#   eval "$(scripts/slurm-local.sh start DIR)"   # DIR: a fresh directory the caller owns (mktemp -d)
#   ...sbatch / squeue / scontrol...
#   scripts/slurm-local.sh stop DIR
#
# `start` prints only `export ...` lines on stdout (progress and errors go to stderr), so that the
# caller can eval it. Everything the cluster writes — config, munge key and socket, controller
# state, spool, pid and log files — lives in DIR: a system-wide Slurm or munge (/etc/slurm,
# /etc/munge, /run/munge, ports 6817/6818 when taken) is neither read nor touched, and several
# clusters can run side by side in different DIRs.
#
# Works as root (CI: a clean Debian 12 container, no systemd, nothing running) and as a normal
# user; as a normal user jobs can only run as that user, which is all the tests need.
#
# Needs Debian's slurm-wlm and munge (scripts/setup.sh installs them); nothing else beyond bash and
# coreutils (no ps, ss or systemctl, which a bare container may lack).
#
# Environment knobs (all optional):
#   SLURM_LOCAL_TIMEOUT          seconds `start` waits for each daemon (default 30)
#   SLURM_LOCAL_MESSAGE_TIMEOUT  MessageTimeout written to slurm.conf (default 5, Slurm's is 10).
#                                Client commands read it too, and it is what bounds a failing
#                                sbatch: with the controller gone (connection refused) sbatch and
#                                squeue retry for MessageTimeout - 1 s, with it hung they wait
#                                MessageTimeout s, then exit 1. (A SLURM_CONF naming a file that
#                                no longer exists is worse: every command retries for 60 s.)
set -euo pipefail

prog="slurm-local"
timeout="${SLURM_LOCAL_TIMEOUT:-30}"
message_timeout="${SLURM_LOCAL_MESSAGE_TIMEOUT:-5}"
# The node's name in Slurm. Slurm does not require it to be the machine's hostname as long as
# slurmd is told its name (-N) and its address is given (NodeAddr); a fixed name keeps test
# expectations independent of the machine.
node="localhost"

log() { echo "$prog: $*" >&2; }

usage() {
  echo "usage: $0 start DIR | stop DIR | status DIR" >&2
  exit 2
}

# Absolute path of DIR without requiring it to exist yet (start creates it). Daemons chdir, so every
# path written into slurm.conf or passed to munged must be absolute.
abs_dir() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

# Seconds since the epoch with milliseconds, for the progress messages' timings.
now() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Is TCP port $1 listened on (IPv4 or IPv6)? Reads /proc rather than needing ss/netstat.
port_in_use() {
  local hex
  hex=$(printf '%04X' "$1")
  # Column 2 is local address:port in hex, column 4 the state; 0A is LISTEN.
  awk -v p="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == p && $4 == "0A") found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# First free port at or above $1 that is not $2 (so the two daemons don't pick the same one).
free_port() {
  local port="$1"
  while port_in_use "$port" || [ "$port" = "${2:-}" ]; do
    port=$((port + 1))
    if [ "$port" -gt 65000 ]; then
      log "no free TCP port found"
      return 1
    fi
  done
  echo "$port"
}

# Memory (MiB) Slurm may hand out: the machine's, or a container's cgroup limit when lower, less a
# tenth (at least 512 MiB) for the daemons, the test runner and the build running beside it.
usable_memory_mib() {
  local total limit
  total=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  if [ -r /sys/fs/cgroup/memory.max ]; then
    limit=$(cat /sys/fs/cgroup/memory.max)
    if [[ "$limit" =~ ^[0-9]+$ ]] && [ $((limit / 1048576)) -lt "$total" ]; then
      total=$((limit / 1048576))
    fi
  fi
  local reserve=$((total / 10))
  [ "$reserve" -ge 512 ] || reserve=512
  echo $((total - reserve))
}

# The pid in pid file $1 if that process is alive and really is ours: its command line must name
# DIR ($2), so a stale pid file whose pid was reused by some other process is never signalled.
live_pid() {
  local pidfile="$1" dir="$2" pid
  [ -s "$pidfile" ] || return 1
  pid=$(tr -dc '0-9' <"$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$dir/" || return 1
  echo "$pid"
}

# Processes whose environment carries our marker for DIR: the daemons and the slurmstepd processes
# slurmd forks (which outlive slurmd if it is stopped while a job runs, and have no DIR in their
# command line).
marked_pids() {
  local dir="$1" f pid
  for f in /proc/[0-9]*/environ; do
    pid="${f#/proc/}"
    pid="${pid%/environ}"
    [ "$pid" != "$$" ] || continue
    # Processes come and go while we look, and some (pid 1 in a sandbox) hide their environment.
    if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "SLURM_LOCAL_DIR=$dir"; then
      echo "$pid"
    fi
  done
}

# All descendants of pid $1 (job scripts under a slurmstepd), from /proc/*/stat's ppid field.
descendants() {
  local parent="$1" f child
  for f in /proc/[0-9]*/stat; do
    # The comm field may contain spaces; the ppid is the second field after its closing paren.
    child=$({ sed -n 's/^\([0-9]*\) (.*) [A-Za-z] \([0-9]*\) .*/\1 \2/p' <"$f"; } 2>/dev/null) || continue
    [ -n "$child" ] || continue
    if [ "${child#* }" = "$parent" ]; then
      echo "${child% *}"
      descendants "${child% *}"
    fi
  done
}

# Send TERM to pid $1 and wait up to $2 seconds for it to go, then KILL it.
terminate() {
  local pid="$1" wait_s="$2" name="$3" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait_s * 10; i++)); do
    [ -d "/proc/$pid" ] || return 0
    # A zombie has exited as far as we care (orphans wait for pid 1 to reap them, which in some
    # sandboxes takes a while), but only once its last thread has: a main thread can be a zombie
    # while the others still hold the daemon's sockets.
    if grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null &&
      grep -q '^Threads:[[:space:]]*1$' "/proc/$pid/status" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "$name (pid $pid) did not exit within ${wait_s}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# The last lines of every log in DIR, for a failed start: the daemons say why they gave up there,
# not on the terminal.
dump_logs() {
  local dir="$1" f
  for f in "$dir"/munge/munged.log "$dir"/log/*; do
    [ -s "$f" ] || continue
    echo "----- $prog: last lines of $f -----" >&2
    tail -n 25 "$f" >&2
  done
}

cmd_stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0

  # Cancel jobs first while the controller still answers, so that slurmd/slurmstepd end the jobs'
  # processes themselves; stopping slurmd alone would leave running jobs behind.
  # Bounded by the clock, not a count: against a hung controller each call takes MessageTimeout.
  # Without a live slurmd the jobs cannot end that way; the stray sweep below gets them.
  if [ -f "$dir/slurm.conf" ] && live_pid "$dir/run/slurmctld.pid" "$dir" >/dev/null; then
    SLURM_CONF="$dir/slurm.conf" scancel --quiet --user="$(id -un)" 2>/dev/null || true
    if live_pid "$dir/run/slurmd.pid" "$dir" >/dev/null; then
      local deadline=$((SECONDS + 10))
      while [ "$SECONDS" -lt "$deadline" ] &&
        [ -n "$(SLURM_CONF="$dir/slurm.conf" squeue -h -o %i 2>/dev/null)" ]; do
        sleep 0.1
      done
    fi
  fi

  # slurmd before slurmctld (so it does not log the controller vanishing), munged last (both
  # daemons need it to say goodbye).
  local name pid
  for name in slurmd slurmctld; do
    if pid=$(live_pid "$dir/run/$name.pid" "$dir"); then
      terminate "$pid" 15 "$name"
    fi
  done

  # Whatever carries our marker and is still alive: slurmstepd processes (and their job processes)
  # left by a failed or interrupted run, or a daemon whose pid file was never written.
  local stray
  for pid in $(marked_pids "$dir"); do
    [ -d "/proc/$pid" ] || continue
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in munged) continue ;; esac
    for stray in $(descendants "$pid") "$pid"; do
      kill -KILL "$stray" 2>/dev/null || true
    done
  done

  if pid=$(live_pid "$dir/munge/munged.pid" "$dir"); then
    terminate "$pid" 10 munged
  fi
  # munged started without a pid file having been written (killed mid-start).
  for pid in $(marked_pids "$dir"); do
    terminate "$pid" 5 "$(cat "/proc/$pid/comm" 2>/dev/null || echo process)"
  done
  rm -f "$dir"/run/*.pid "$dir"/munge/munged.pid
}

# Stop what a failed start began, after showing why it failed; exits non-zero.
fail_start() {
  local dir="$1"
  shift
  log "start failed: $*"
  dump_logs "$dir"
  cmd_stop "$dir" || true
  log "start failed: $* (logs above; cluster in $dir stopped)"
  exit 1
}

write_conf() {
  local dir="$1" ctld_port="$2" slurmd_port="$3" user="$4"
  local cpus mem
  cpus=$(nproc)
  mem=$(usable_memory_mib)
  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-local.sh for a one-node test cluster; every path is inside this directory.
ClusterName=facet-local
# "localhost" stands for this machine whatever its hostname (Slurm swaps in hostname -s); the
# explicit address keeps clients on IPv4, where slurmctld listens, even where localhost resolves to
# ::1 first.
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user

# munge through our own munged; AuthInfo's socket serves both auth/munge and cred/munge.
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket

StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# (Debian's slurmd loads the PMIx plugin whatever MpiDefault says and logs "can not load PMIx
# library" errors; they are harmless.)
# Keep /etc/slurm/plugstack.conf (and anything a system Slurm adds there) out of this cluster.
PlugStackConfig=$dir/plugstack.conf
MailProg=/bin/true

# No cgroups in containers: track job processes through /proc, bind no tasks.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none

SchedulerType=sched/backfill
# Short loops so that array throttling (%N) and afterok dependencies are re-evaluated within a
# second or two rather than the default 30-60 s; a one-node cluster has nothing to optimise.
SchedulerParameters=sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# A job that asks for no memory gets a CPU's share of the node rather than all of it, so that
# array tasks without --mem can run side by side.
DefMemPerCPU=$((mem / cpus))

# Fail fast in tests: client commands (sbatch, squeue) give up on an unreachable controller after
# about MessageTimeout seconds (Slurm's default is 10).
MessageTimeout=$message_timeout
SlurmctldTimeout=30
SlurmdTimeout=30
KillWait=5
InactiveLimit=0
# Keep finished jobs visible to scontrol show job for 5 minutes (state, exit code, reason).
MinJobAge=300
# A node that comes back (slurmd restarted) is usable again without an admin's scontrol update.
ReturnToService=2
# Trust the sizes below even when slurmd detects other ones (containers, cgroup limits).
SlurmdParameters=config_overrides

NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

cmd_start() {
  local dir="$1"
  local t0 step
  t0=$(now)

  local missing=() c
  for c in munged munge slurmctld slurmd sinfo scontrol sbatch squeue scancel; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "start failed: not installed: ${missing[*]} (scripts/setup.sh installs slurm-wlm and munge)"
    exit 1
  fi

  if [ -d "$dir" ] && { live_pid "$dir/run/slurmctld.pid" "$dir" || live_pid "$dir/run/slurmd.pid" "$dir" ||
    live_pid "$dir/munge/munged.pid" "$dir"; } >/dev/null; then
    log "start failed: a cluster is already running in $dir (run: $0 stop $dir)"
    exit 1
  fi

  # A unix socket path is limited to 107 bytes; say so rather than let munged fail obscurely.
  if [ ${#dir} -gt 80 ]; then
    log "start failed: DIR is too long for munge's socket path (${#dir} > 80 characters): $dir"
    exit 1
  fi
  # slurm.conf has no quoting for paths.
  if [[ "$dir" =~ [[:space:]] ]]; then
    log "start failed: DIR must not contain white space: '$dir'"
    exit 1
  fi

  mkdir -p "$dir"/{munge,state,spool,log,run}
  # munged insists that every directory on its socket's path be searchable by all, and refuses a
  # key that others can read; mktemp -d makes DIR 0700, so open DIR and munge/ to searching.
  chmod 0755 "$dir" "$dir/munge"
  : >"$dir/plugstack.conf"

  local user ctld_port slurmd_port
  user=$(id -un)
  # Default ports unless a system Slurm (or another test cluster) holds them.
  ctld_port=$(free_port 6817)
  slurmd_port=$(free_port $((ctld_port + 1)) "$ctld_port")
  write_conf "$dir" "$ctld_port" "$slurmd_port" "$user"
  export SLURM_CONF="$dir/slurm.conf"
  # Marks the daemons (and the slurmstepd processes they fork) as this DIR's, for `stop`. Given to
  # the daemons alone: were this script to carry it, `stop` after a failed start would find its
  # own subshells.
  local mark="SLURM_LOCAL_DIR=$dir"

  # --- munged ---
  step=$(now)
  if [ ! -s "$dir/munge/munge.key" ]; then
    # 1024-bit key as munge's own mungekey makes it; dd is the fallback for munge < 0.5.14.
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --bits=1024 --keyfile="$dir/munge/munge.key" 2>>"$dir/log/munged.stderr" ||
        fail_start "$dir" "mungekey could not create $dir/munge/munge.key"
    else
      dd if=/dev/urandom of="$dir/munge/munge.key" bs=128 count=1 status=none
    fi
  fi
  chmod 0600 "$dir/munge/munge.key"
  # Daemons get stdin/stdout/stderr away from the caller: `eval "$(... start DIR)"` would otherwise
  # wait for them to close the command substitution's pipe, i.e. forever.
  env "$mark" munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" \
    </dev/null >>"$dir/log/munged.stderr" 2>&1 ||
    fail_start "$dir" "munged did not start"
  # Every wait below is bounded by the clock (SECONDS), not by a count of tries: against a daemon
  # that accepts connections but does not answer, each client call itself takes MessageTimeout.
  local deadline=$((SECONDS + timeout)) ok=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    if munge -n -S "$dir/munge/munge.socket" 2>/dev/null | unmunge -S "$dir/munge/munge.socket" >/dev/null 2>&1; then
      ok=1
      break
    fi
    sleep 0.1
  done
  [ -n "$ok" ] || fail_start "$dir" "munged does not answer on $dir/munge/munge.socket after ${timeout}s"
  log "munged up ($(elapsed "$step")s)"

  # --- slurmctld ---
  step=$(now)
  # -c: start from an empty state even if DIR holds one from an earlier run; -i: ignore stale
  # state files' version errors.
  env "$mark" slurmctld -c -i -f "$dir/slurm.conf" </dev/null >>"$dir/log/slurmctld.stderr" 2>&1 ||
    fail_start "$dir" "slurmctld did not start"
  ok=""
  deadline=$((SECONDS + timeout))
  # The daemon forks and writes its pid file a moment later: a missing pid file means it died
  # only once that moment (2 s) has passed.
  local grace=$((SECONDS + 2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if scontrol ping 2>/dev/null | grep -q 'is UP'; then
      ok=1
      break
    fi
    live_pid "$dir/run/slurmctld.pid" "$dir" >/dev/null || [ "$SECONDS" -lt "$grace" ] ||
      fail_start "$dir" "slurmctld exited during start-up"
    sleep 0.1
  done
  [ -n "$ok" ] || fail_start "$dir" "slurmctld does not answer 'scontrol ping' after ${timeout}s"
  log "slurmctld up on port $ctld_port ($(elapsed "$step")s)"

  # --- slurmd ---
  step=$(now)
  env "$mark" slurmd -f "$dir/slurm.conf" -N "$node" </dev/null >>"$dir/log/slurmd.stderr" 2>&1 ||
    fail_start "$dir" "slurmd did not start"
  local state=""
  deadline=$((SECONDS + timeout))
  grace=$((SECONDS + 2))
  while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [ "$state" = "idle" ] && break
    live_pid "$dir/run/slurmd.pid" "$dir" >/dev/null || [ "$SECONDS" -lt "$grace" ] ||
      fail_start "$dir" "slurmd exited during start-up"
    sleep 0.1
  done
  [ "$state" = "idle" ] ||
    fail_start "$dir" "node $node is not idle after ${timeout}s (state: ${state:-unknown})"
  log "slurmd up on port $slurmd_port, node $node idle ($(elapsed "$step")s; cluster ready in $(elapsed "$t0")s)"

  printf 'export SLURM_CONF=%q\n' "$dir/slurm.conf"
}

cmd_status() {
  local dir="$1" name pid
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) pid=$(live_pid "$dir/munge/munged.pid" "$dir" || true) ;;
      *) pid=$(live_pid "$dir/run/$name.pid" "$dir" || true) ;;
    esac
    if [ -n "$pid" ]; then echo "$name: running (pid $pid)"; else echo "$name: stopped"; fi
  done
  if [ -f "$dir/slurm.conf" ]; then
    SLURM_CONF="$dir/slurm.conf" sinfo -h -o 'node %n: %T' 2>/dev/null || true
  fi
}

[ $# -eq 2 ] || usage
dir=$(abs_dir "${2%/}")
case "$1" in
  start) cmd_start "$dir" ;;
  stop) cmd_stop "$dir" ;;
  status) cmd_status "$dir" ;;
  *) usage ;;
esac
