#!/usr/bin/env bash
# Stop the cluster scripts/slurm-start.sh DIR started: cancel its jobs, wait
# for the queue to empty, then stop slurmd, slurmctld and munged by their
# recorded PIDs (never by name), KILL after 15 s.
set -uo pipefail
dir=${1:?usage: slurm-stop.sh DIR}
export SLURM_CONF="$dir/slurm.conf"
if [ -f "$SLURM_CONF" ]; then
  scancel --full --user="$(id -un)" 2>/dev/null
  for _ in $(seq 30); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 0.5
  done
fi
for d in slurmd slurmctld munged; do
  f="$dir/$d.pid.run"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || { rm -f "$f"; continue; }
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  rm -f "$f"
done
