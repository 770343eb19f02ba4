#!/usr/bin/env bash
# scripts/slurm_test_cluster.sh — a real one-node Slurm cluster on localhost for tests.
#
# Why: the slurm tests (ctest label `slurm`, issue 6) submit real jobs to a real
# slurmctld + slurmd, never to a mock of sbatch. This script starts munged,
# slurmctld and slurmd as root, without systemd, with every file (munge key and
# socket, slurm.conf, state, spool, logs, pid files) under one directory, so it
# touches nothing in /etc and can run beside a system Slurm or a second copy of
# itself (ports are derived from the directory).
#
#   scripts/slurm_test_cluster.sh start  [DIR]   # idempotent; waits until the node is idle
#   scripts/slurm_test_cluster.sh stop   [DIR]   # cancels jobs, stops the daemons
#   scripts/slurm_test_cluster.sh status [DIR]   # exit 0 when up, 3 when down
#   scripts/slurm_test_cluster.sh env    [DIR]   # prints the export line
#
# DIR defaults to /tmp/gaplab-slurm. Nothing is exported globally: clients must use
#   export SLURM_CONF=DIR/slurm.conf        (also written to DIR/env.sh)
# Environment: GAPLAB_SLURM_CPUS  CPUs the node advertises (default: the larger of
# the real count and 8, so 3-rank sweeps and arrays fit on a 2-core CI machine;
# jobs are oversubscribed, not refused). Exit 77: Slurm or munge not installed.
set -euo pipefail

die() { echo "slurm_test_cluster.sh: $*" >&2; exit 1; }
say() { echo "slurm_test_cluster.sh: $*"; }

cmd=${1:-}
case "$cmd" in
  start|stop|status|env) ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) echo "usage: $0 start|stop|status|env [DIR]" >&2; exit 2 ;;
esac
dir=${2:-/tmp/gaplab-slurm}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/slurm.conf
export SLURM_CONF=$conf   # only for this script's own sinfo/scontrol/scancel calls

plugin_dir=/usr/lib/x86_64-linux-gnu/slurm-wlm
need_tools() {
  local missing=()
  for t in munged mungekey slurmctld slurmd sinfo sbatch scontrol scancel squeue; do
    command -v "$t" > /dev/null || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "slurm_test_cluster.sh: missing ${missing[*]}; install Debian's slurm-wlm and munge" \
         "(scripts/setup.sh does it as root)" >&2
    exit 77
  fi
  [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd runs jobs as any user; CI runs as root)"
}

# Unix socket paths are limited to 107 bytes; a deep build directory would break
# the munge socket and slurmd's per-step sockets, so those live in a short
# directory under /tmp named after DIR when DIR is long.
run_dir() {
  if [ ${#dir} -le 48 ]; then echo "$dir/run"
  else echo "/tmp/gaplab-slurm-run.$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"; fi
}
run=$(run_dir)

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }
munged_pid=$run/munged.pid
ctld_pid=$dir/slurmctld.pid
slurmd_pid=$dir/slurmd.pid

cluster_up() {
  [ -f "$conf" ] && pid_alive "$munged_pid" && pid_alive "$ctld_pid" && pid_alive "$slurmd_pid" \
    && timeout 10 sinfo -h > /dev/null 2>&1
}

print_env() {
  rm -f "$dir/env.sh"
  printf 'export SLURM_CONF=%q\n' "$conf" > "$dir/env.sh"
  cat "$dir/env.sh"
}

# stop_pids NAME=PIDFILE...: SIGTERM to all (each takes about 2 s to exit), wait
# up to 10 s, then SIGKILL what is left.
stop_pids() {
  local a f pids=()
  for a in "$@"; do
    f=${a#*=}
    if pid_alive "$f"; then pids+=("$(cat "$f")"); kill -TERM "${pids[-1]}" 2> /dev/null || true; fi
  done
  for _ in $(seq 100); do
    local alive=0 p
    for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for a in "$@"; do
    f=${a#*=}
    if pid_alive "$f"; then
      say "${a%%=*} (pid $(cat "$f")) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$(cat "$f")" 2> /dev/null || true
    fi
    rm -f "$f"
  done
}

stop_cluster() {
  if [ -f "$conf" ] && pid_alive "$ctld_pid"; then
    # Cancel this cluster's jobs first so that no slurmstepd outlives slurmd.
    # (Every user's: tests may submit as another user.)
    timeout 10 squeue -h -o %A 2> /dev/null | sort -u \
      | xargs -r timeout 10 scancel --full --quiet 2> /dev/null || true
    for _ in $(seq 100); do
      [ -z "$(timeout 5 squeue -h -t running,completing -o %i 2> /dev/null)" ] && break
      sleep 0.2
    done
  fi
  # A job leaves squeue before its slurmstepd processes exit; each holds a socket
  # <node>_<job>.<step> in the spool directory until it does.
  for _ in $(seq 100); do
    compgen -G "$run/spool/*_[0-9]*" > /dev/null || break
    sleep 0.1
  done
  stop_pids slurmd="$slurmd_pid" slurmctld="$ctld_pid"
  stop_pids munged="$munged_pid"   # last: the Slurm daemons authenticate until they exit
}

# Two free TCP ports (slurmctld, slurmd) derived from DIR, so that two clusters
# (two build directories) on one machine do not collide.
pick_ports() {
  local base used p
  base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))
  # Ports in use (any state), from /proc: no iproute2 on a bare Debian image.
  used=$(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2> /dev/null \
         | while read -r h; do echo $((16#$h)); done | sort -u)
  for p in $(seq "$base" 2 $((base + 200))); do
    if ! grep -qx "$p" <<< "$used" && ! grep -qx "$((p + 1))" <<< "$used"; then
      echo "$p $((p + 1))"; return 0
    fi
  done
  die "no two free TCP ports in $base-$((base + 201))"
}

write_conf() {
  local node cpus mem real_cpus ports ctld_port slurmd_port mpi
  # slurmd -C prints this machine as slurm.conf sees it: NodeName=h CPUs=2 ... RealMemory=M
  local probe
  probe=$(slurmd -C 2> /dev/null | head -1) || die "'slurmd -C' failed"
  node=$(sed -n 's/.*NodeName=\([^ ]*\).*/\1/p' <<< "$probe")
  real_cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<< "$probe")
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<< "$probe")
  if [ -z "$node" ] || [ -z "$real_cpus" ] || [ -z "$mem" ]; then die "cannot parse 'slurmd -C': $probe"; fi
  cpus=${GAPLAB_SLURM_CPUS:-$(( real_cpus > 8 ? real_cpus : 8 ))}
  ports=$(pick_ports)
  read -r ctld_port slurmd_port <<< "$ports"
  # The pmix plugin dlopens pmix2/lib/libpmix.so, which only libpmix-dev ships.
  mpi=pmix
  if ! ls "$plugin_dir"/mpi_pmix*.so > /dev/null 2>&1 || [ ! -e /usr/lib/x86_64-linux-gnu/pmix2/lib/libpmix.so ]; then
    mpi=none
    say "warning: no PMIx (slurm-wlm-basic-plugins' mpi_pmix and libpmix-dev): MpiDefault=none," \
        "srun --mpi=pmix will fail" >&2
  fi
  rm -f "$conf"
  cat > "$conf" <<EOF
# Written by scripts/slurm_test_cluster.sh for a one-node test cluster; do not edit.
ClusterName=gaplabtest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire (default 120 s) is also how long a requeued job waits to start again:
# with 10 a requeue takes about 16 s (5 s completing + 11 s); 5 gave 11 s, but it is
# also the lifetime of a step's launch credential, and a loaded 2-core CI box needs slack.
AuthInfo=socket=$run/munge.socket.2,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$run/spool
SlurmctldPidFile=$ctld_pid
SlurmdPidFile=$slurmd_pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (containers, no systemd): processes tracked by /proc parentage, no binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SwitchType=switch/none
MpiDefault=$mpi
# Cores are the consumable; memory is not, so jobs need no --mem and run side by side.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=0,batch_sched_delay=0
ReturnToService=2
JobRequeue=1
KillWait=2
OverTimeLimit=0
InactiveLimit=0
MinJobAge=600
MessageTimeout=10
SlurmctldTimeout=30
SlurmdTimeout=60
# Advertise GAPLAB_SLURM_CPUS (real: $real_cpus) without draining the node.
SlurmdParameters=config_overrides
NodeName=$node NodeHostname=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  echo "$node"
}

start_cluster() {
  need_tools
  if cluster_up; then
    say "already running ($conf)"
    print_env
    return 0
  fi
  # A half-started or crashed cluster: stop what is left, start clean.
  stop_cluster
  umask 022
  rm -rf "$dir/state" "$run/spool" "$dir/log"
  mkdir -p "$dir/state" "$dir/log" "$run/spool"
  chmod 755 "$run"   # non-root clients must reach the munge socket

  [ -f "$run/munge.key" ] || mungekey --create --keyfile="$run/munge.key" \
    || die "mungekey failed"
  munged --force --socket="$run/munge.socket.2" --key-file="$run/munge.key" \
    --pid-file="$munged_pid" --log-file="$dir/log/munged.log" --seed-file="$run/munged.seed" \
    || die "munged failed to start; see $dir/log/munged.log"
  munge -n -S "$run/munge.socket.2" | unmunge -S "$run/munge.socket.2" > /dev/null \
    || die "munge round trip through $run/munge.socket.2 failed; see $dir/log/munged.log"

  local node
  node=$(write_conf)
  # -c: no job state from an earlier cluster in this directory.
  slurmctld -c -f "$conf" || die "slurmctld failed to start; see $dir/log/slurmctld.log"
  slurmd -f "$conf" -N "$node" || die "slurmd failed to start; see $dir/log/slurmd.log"

  local state=
  for _ in $(seq 120); do
    state=$(timeout 5 sinfo -h -N -n "$node" -o %T 2> /dev/null || true)
    case "$state" in idle*|mixed*|allocated*) break ;; esac
    pid_alive "$ctld_pid" || die "slurmctld exited; see $dir/log/slurmctld.log"
    pid_alive "$slurmd_pid" || die "slurmd exited; see $dir/log/slurmd.log"
    sleep 0.5
  done
  case "$state" in
    idle*|mixed*|allocated*) ;;
    *) tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
       die "node $node not idle after 60 s (state '${state:-none}')" ;;
  esac
  say "up: node $node idle, partition debug ($conf)"
  print_env
}

case "$cmd" in
  start) start_cluster ;;
  stop)
    need_tools
    stop_cluster
    [ "$run" = "$dir/run" ] || rm -rf "$run"   # the short /tmp directory of a long DIR
    say "stopped ($dir)" ;;
  status)
    need_tools
    for p in "munged:$munged_pid" "slurmctld:$ctld_pid" "slurmd:$slurmd_pid"; do
      if pid_alive "${p#*:}"; then say "${p%%:*} running (pid $(cat "${p#*:}"))"
      else say "${p%%:*} not running"; fi
    done
    if cluster_up; then
      sinfo -N -l
      print_env
    else
      say "cluster down ($dir)"; exit 3
    fi ;;
  env) print_env ;;
esac
