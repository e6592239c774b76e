#!/usr/bin/env bash
# Runs the Slurm recipe on a real one-node Slurm cluster started here, and checks that the merged
# reports equal unsharded runs' (all but `seconds`, the sum of per-case times).
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge when missing, writes a slurm.conf with
# state and spool under a temporary directory, starts munged, slurmctld and slurmd as plain daemons
# (no systemd, no cgroups), submits an evaluate array (3 shards) and a sample array (2 shards), each
# with its dependent merge job, and waits for them with `sbatch --wait`. On exit, also after a failure,
# it cancels its jobs, stops the daemons it started (by PID) and removes its temporary directory.
# Needs root (to install packages and run slurmd); skips otherwise. Usage: scripts/slurm/test-slurm.sh [p2sam]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
p2sam="$(realpath "${1:-.build/release/p2sam}")"
started=$SECONDS
if [ "$(id -u)" != 0 ]; then
  echo "slurm test: SKIPPED (needs root to install and run slurmd; CI runs as root)"
  exit 0
fi
[ -x "$p2sam" ] || { echo "slurm test: no p2sam binary at $p2sam (run swift build -c release)" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm test: installing slurmctld slurmd slurm-client munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

tmp="$(mktemp -d /tmp/p2sam-slurm.XXXXXX)"
chmod 700 "$tmp"
pids=()
cleanup() {
  status=$?
  if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then
    scancel --quiet --user=root 2>/dev/null || true   # this cluster's jobs only: SLURM_CONF is ours
  fi
  for ((k = ${#pids[@]} - 1; k >= 0; k--)); do kill "${pids[k]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$status" != 0 ]; then
    echo "slurm test: FAILED (status $status); daemon logs:" >&2
    tail -n 20 "$tmp"/*.log >&2 2>/dev/null || true
    tail -n 20 "$tmp"/run-*/logs/* >&2 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
host="$(hostname -s)"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/socket" \
       --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" \
       >>"$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge/socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/socket" ] || { echo "munged did not start" >&2; exit 1; }

export SLURM_CONF="$tmp/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=p2samtest
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -c -f "$SLURM_CONF" >>"$tmp/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >>"$tmp/slurmd.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do
  sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)' && break
  sleep 0.2
done
sinfo -h -o %t | grep -qE '^(idle|mix|alloc)' || { echo "slurm test: the node did not come up: $(sinfo 2>&1)" >&2; exit 1; }
echo "slurm test: one-node cluster up on $host after $((SECONDS - started)) s"

# One CPU per shard job so that the shards of the 2-core test machine run side by side.
export P2SAM="$p2sam" P2SAM_WAIT=1 SBATCH_EXTRA="--cpus-per-task=1"
same_report() {  # same_report A.json B.json: equal except the volatile "seconds"
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    assert isinstance(r.pop("seconds"), (int, float))
if a != b:
    sys.exit(f"merged report {sys.argv[2]} differs from the unsharded {sys.argv[1]}")
print(f"slurm test: {sys.argv[2]} equals the unsharded report ({len(a['cases'])} cases)")
PY
}

evaluate=(evaluate --dataset synthetic:4:4 --method box-jitter --box-quality jitter:10 --count 2 --seed 3)
"$p2sam" "${evaluate[@]}" --json "$tmp/unsharded-evaluate.json" > "$tmp/unsharded-evaluate.txt" 2>/dev/null
bash scripts/slurm/submit.sh 3 "$tmp/run-evaluate" "${evaluate[@]}"
same_report "$tmp/unsharded-evaluate.json" "$tmp/run-evaluate/report.json"
cmp "$tmp/unsharded-evaluate.txt" "$tmp/run-evaluate/report.txt"

sample=(sample --dataset synthetic:2:4 --count 2 --seed 3)
"$p2sam" "${sample[@]}" --output "$tmp/unsharded-sample" --json "$tmp/unsharded-sample.json" > "$tmp/unsharded-sample.txt" 2>/dev/null
bash scripts/slurm/submit.sh 2 "$tmp/run-sample" "${sample[@]}"
same_report "$tmp/unsharded-sample.json" "$tmp/run-sample/report.json"
cmp "$tmp/unsharded-sample.txt" "$tmp/run-sample/report.txt"
echo "slurm test: passed in $((SECONDS - started)) s"
