#!/usr/bin/env bash
# Stop the CI cluster started by .ci/slurm/start.sh: only the PIDs it recorded, nothing else,
# then remove the /etc/slurm/{slurm,gres}.conf it wrote (only if they carry its marker line).
# Without a slurm.conf, SLURM clients on PATH fail at once, so local `snakemake` runs are not
# slowed by the SLURM plugin's ~10 s controller probe. Logs stay in the state directory.
set -uo pipefail
STATE_DIR="${LANGADAPT_SLURM_DIR:-/tmp/langadapt-slurm}"
CONF_DIR=/etc/slurm
MARKER="# Written by langadapt .ci/slurm/start.sh"
PIDS="$STATE_DIR/pids"

ours() { [[ -e "$1" ]] && head -1 "$1" | grep -qF "$MARKER"; }

if [[ -s "$PIDS" ]]; then
    # Cancel this cluster's jobs so slurmd leaves no job processes behind.
    if ours "$CONF_DIR/slurm.conf"; then
        timeout 10 scancel --full --user="$(id -un)" 2>/dev/null || true
    fi
    # Reverse start order: slurmd, slurmctld, munged.
    tac "$PIDS" | while read -r name pid; do
        [[ -n "${pid:-}" ]] || continue
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            echo "[slurm-ci] stopped $name ($pid)" >&2
        fi
    done
    : > "$PIDS"
else
    echo "[slurm-ci] no daemons recorded in $PIDS" >&2
fi
for f in slurm.conf gres.conf; do
    if ours "$CONF_DIR/$f"; then
        rm -f "$CONF_DIR/$f"
        echo "[slurm-ci] removed $CONF_DIR/$f" >&2
    fi
done
if grep -qF "$MARKER" /etc/hosts; then  # rewritten in place: /etc/hosts may be a bind mount
    kept="$(grep -vF "$MARKER" /etc/hosts)"
    printf '%s\n' "$kept" > /etc/hosts
    echo "[slurm-ci] removed the emulated nodes from /etc/hosts" >&2
fi
exit 0
