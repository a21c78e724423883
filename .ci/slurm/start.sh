#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine for CI (needs root; no systemd, no cgroups).
#
#   .ci/slurm/start.sh            # installs Debian slurmctld slurmd munge slurm-client if missing
#   .ci/slurm/stop.sh             # stops exactly the daemons started here (PIDs in $STATE_DIR/pids)
#
# State lives in one directory (LANGADAPT_SLURM_DIR, default /tmp/langadapt-slurm): spool and
# state dirs, the munge key and socket, logs and the PID file. The config goes to
# /etc/slurm/slurm.conf (+ gres.conf), because clients inside a job cannot be pointed elsewhere:
# the plugin's job step drops every SLURM_* variable, SLURM_CONF included, before `srun`.
# start.sh refuses to overwrite a slurm.conf it did not write; stop.sh removes only its own.
# With no slurm.conf, `sinfo`/`scontrol` on PATH fail at once instead of waiting ~10 s for a
# controller, so local snakemake runs are not slowed once the cluster is stopped.
# Each node advertises LANGADAPT_SLURM_GPUS (default 2) stand-in GPUs (empty files, no device), so
# `sbatch --gpus=N` from the profile is accepted and scheduled; jobs still run on the CPU.
# LANGADAPT_SLURM_NODES=2 starts two slurmd on this host (SLURM's multiple-slurmd mode, which
# Debian's build has: `slurmd -N`), nodes ci-node1 and ci-node2 on their own ports and spool
# directories, both at 127.0.0.1, so multi-node jobs (`sbatch --nodes 2`, `srun` across both)
# run for real; each node claims the host's CPUs and memory (an emulation, no isolation).
set -euo pipefail

STATE_DIR="${LANGADAPT_SLURM_DIR:-/tmp/langadapt-slurm}"
GPUS="${LANGADAPT_SLURM_GPUS:-2}"
CTLD_PORT="${LANGADAPT_SLURMCTLD_PORT:-6817}"
SLURMD_PORT="${LANGADAPT_SLURMD_PORT:-6818}"
NODES="${LANGADAPT_SLURM_NODES:-1}"
CONF_DIR=/etc/slurm
MARKER="# Written by langadapt .ci/slurm/start.sh"

say() { echo "[slurm-ci] $*" >&2; }
# Exit codes: 2 = cannot run here (not root, packages not installable, a real cluster's
# slurm.conf present): callers may skip. 1 = the cluster failed to start: a real failure.
die() { say "ERROR: $*"; exit 1; }
cannot() { say "CANNOT RUN: $*"; exit 2; }

[[ "$(id -u)" == 0 ]] || cannot "needs root (starts munged, slurmctld and slurmd as root)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    say "installing slurmctld slurmd munge slurm-client (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q --no-install-recommends \
        slurmctld slurmd munge slurm-client; } >&2 || cannot "apt-get install failed"
fi

if [[ -s "$STATE_DIR/pids" ]]; then
    alive=0
    while read -r _name pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$STATE_DIR/pids"
    if [[ $alive == 1 ]]; then
        say "already running (PIDs in $STATE_DIR/pids)"
        exit 0
    fi
fi

# A fresh controller state each time: a saved node state (e.g. drained) would outlive its cause.
rm -rf "$STATE_DIR"/state "$STATE_DIR"/spool
mkdir -p "$STATE_DIR"/{state,spool,log,munge}
# Job ids restart at 1 with a fresh state: old completion records would be mistaken for new.
: > "$STATE_DIR/log/jobcomp.txt"
chmod 0755 "$STATE_DIR" "$STATE_DIR"/{state,spool,log}
chmod 0700 "$STATE_DIR/munge"
: > "$STATE_DIR/pids"
# Stale PID files from a crashed run would be mistaken for the new daemons.
rm -f "$STATE_DIR"/*.pid "$STATE_DIR/munge/munged.pid"

HOST="$(hostname -s)"
if [[ "$NODES" == 1 ]]; then
    NODE_NAMES=("$HOST")
else
    NODE_NAMES=()
    for ((n = 1; n <= NODES; n++)); do NODE_NAMES+=("ci-node$n"); done
fi
CPUS="$(nproc)"
# Leave 10 % of RAM to the OS: slurmd drains a node whose real memory is below RealMemory.
MEM_MB="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)"
DEF_MEM_PER_CPU=$((MEM_MB / CPUS / 2))

# --- munge: own key and socket, so a system munged (if any) is left alone -----------------
if [[ ! -s "$STATE_DIR/munge/munge.key" ]]; then
    dd if=/dev/urandom of="$STATE_DIR/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 0600 "$STATE_DIR/munge/munge.key"
MUNGE_SOCKET="$STATE_DIR/munge/munge.socket"
munged --force --key-file="$STATE_DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$STATE_DIR/munge/munged.pid" --seed-file="$STATE_DIR/munge/munged.seed" \
    --log-file="$STATE_DIR/log/munged.log"
for _ in $(seq 50); do [[ -s "$STATE_DIR/munge/munged.pid" ]] && break; sleep 0.1; done
echo "munged $(cat "$STATE_DIR/munge/munged.pid")" >> "$STATE_DIR/pids"

# --- slurm.conf --------------------------------------------------------------------------
mkdir -p "$CONF_DIR"
for f in slurm.conf gres.conf; do
    if [[ -e "$CONF_DIR/$f" ]] && ! head -1 "$CONF_DIR/$f" | grep -qF "$MARKER"; then
        cannot "$CONF_DIR/$f exists and was not written by this script; not touching a real cluster"
    fi
done
cat > "$CONF_DIR/slurm.conf" <<CONF
$MARKER: a single-node CI cluster, no systemd, no cgroups.
ClusterName=langadapt-ci
SlurmctldHost=$HOST
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$STATE_DIR/state
# %n: the node's name, so several slurmd on one host keep apart (one node: the host's name)
SlurmdSpoolDir=$STATE_DIR/spool/%n
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd-%n.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: track processes by parent PID, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd: sacct cannot answer, so the profile polls with squeue; completed jobs stay
# visible to squeue for MinJobAge seconds (the plugin needs >= 3x its first status delay).
AccountingStorageType=accounting_storage/none
MinJobAge=600
# A job-completion record per job (id, name, state, exit code): evidence for the CI test.
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE_DIR/log/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$DEF_MEM_PER_CPU
MpiDefault=none
ReturnToService=2
SlurmdTimeout=60
GresTypes=gpu
CONF
for ((n = 0; n < NODES; n++)); do
    echo "NodeName=${NODE_NAMES[n]} NodeHostname=$HOST NodeAddr=127.0.0.1 Port=$((SLURMD_PORT + n))" \
        "CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:$GPUS State=UNKNOWN" >> "$CONF_DIR/slurm.conf"
done
ALL_NODES="$(IFS=,; echo "${NODE_NAMES[*]}")"
echo "PartitionName=ci Nodes=$ALL_NODES Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO" \
    >> "$CONF_DIR/slurm.conf"
# Stand-in GPUs: slurmd drops a GPU without a device file, so each is an empty regular file.
# Scheduling of --gpus works (and CUDA_VISIBLE_DEVICES is set); no device is bound.
echo "$MARKER" > "$CONF_DIR/gres.conf"
echo "AutoDetect=off" >> "$CONF_DIR/gres.conf"
for name in "${NODE_NAMES[@]}"; do
    mkdir -p "$STATE_DIR/dev/$name" "$STATE_DIR/spool/$name"
    for ((i = 0; i < GPUS; i++)); do : > "$STATE_DIR/dev/$name/gpu$i"; done
    echo "NodeName=$name Name=gpu File=$STATE_DIR/dev/$name/gpu[0-$((GPUS - 1))]" \
        >> "$CONF_DIR/gres.conf"
done
export SLURM_CONF="$CONF_DIR/slurm.conf"
# The emulated nodes' names resolve to loopback (a job's rendezvous host is the first node of
# its node list); one /etc/hosts line carrying the marker, which stop.sh removes.
if [[ "$NODES" != 1 ]] && ! grep -qF "$MARKER" /etc/hosts; then
    echo "127.0.0.1 ${NODE_NAMES[*]} $MARKER" >> /etc/hosts
fi

# --- daemons -----------------------------------------------------------------------------
slurmctld -i -f "$SLURM_CONF"          # -i: ignore saved state from an earlier run
for _ in $(seq 100); do [[ -s "$STATE_DIR/slurmctld.pid" ]] && break; sleep 0.1; done
[[ -s "$STATE_DIR/slurmctld.pid" ]] || die "slurmctld did not start; see $STATE_DIR/log/slurmctld.log"
echo "slurmctld $(cat "$STATE_DIR/slurmctld.pid")" >> "$STATE_DIR/pids"

for name in "${NODE_NAMES[@]}"; do
    slurmd -f "$SLURM_CONF" -N "$name"
    for _ in $(seq 100); do [[ -s "$STATE_DIR/slurmd-$name.pid" ]] && break; sleep 0.1; done
    [[ -s "$STATE_DIR/slurmd-$name.pid" ]] \
        || die "slurmd $name did not start; see $STATE_DIR/log/slurmd-$name.log"
    echo "slurmd-$name $(cat "$STATE_DIR/slurmd-$name.pid")" >> "$STATE_DIR/pids"
done

# Wait until every node is schedulable.
alive() { kill -0 "$(cat "$STATE_DIR/$1.pid")" 2>/dev/null || die "$1 exited; see $STATE_DIR/log/$1.log"; }
ready() { [[ "$1" == idle* || "$1" == mix* || "$1" == alloc* ]]; }
for _ in $(seq 60); do
    alive slurmctld
    for name in "${NODE_NAMES[@]}"; do alive "slurmd-$name"; done
    states="$(timeout 5 sinfo -h -N -o %t 2>/dev/null || true)"
    up=0
    for state in $states; do ready "$state" && up=$((up + 1)); done
    [[ $up == "$NODES" ]] && break
    sleep 0.5
done
[[ $up == "$NODES" ]] || die "nodes ${NODE_NAMES[*]} are '${states//$'\n'/ }', not idle; see $STATE_DIR/log/"
say "cluster up: nodes ${NODE_NAMES[*]}, $CPUS CPUs, $MEM_MB MB, $GPUS stand-in GPUs each; config $SLURM_CONF"
exit 0
