#!/usr/bin/env bash
# Start a single-node Slurm cluster for tests, as root and without systemd:
# munged, slurmctld and slurmd in the foreground under setsid, everything
# (key, configuration, state, logs, PIDs) in one folder.
#
#   scripts/slurm-start.sh DIR   # then: export SLURM_CONF=DIR/slurm.conf
#   scripts/slurm-stop.sh DIR
#
# Needs Debian's slurmctld slurmd slurm-client munge. The daemons' ports
# are 6817 and 6818 unless SLURM_PORTS="CTLD D" says otherwise.
set -euo pipefail
dir=${1:?usage: slurm-start.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
read -r ctld_port d_port <<<"${SLURM_PORTS:-6817 6818}"
# munged refuses a socket below a folder others cannot enter.
chmod 0755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 0755 "$dir/munge"
key="$dir/munge/munge.key"
[ -f "$key" ] || { head -c 1024 /dev/urandom >"$key"; chmod 0400 "$key"; }
socket="$dir/munge/munge.socket"
host=$(hostname -s)
mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
cat >"$dir/slurm.conf" <<CONF
ClusterName=hhnettest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
MailProg=/bin/true
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
setsid munged --socket="$socket" --key-file="$key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" --foreground \
  </dev/null >>"$dir/log/munged.out" 2>&1 &
echo $! >"$dir/munged.pid.run"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
setsid slurmctld -D -c </dev/null >>"$dir/log/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.pid.run"
setsid slurmd -D -N "$host" </dev/null >>"$dir/log/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.pid.run"
for _ in $(seq 60); do
  if [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; then
    echo "Slurm is up: export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "Slurm did not come up in 30 s; its logs:" >&2
tail -n 30 "$dir"/log/* >&2
exit 1
