#!/usr/bin/env bash
# Submits a sharded p2sam run to Slurm: an array of N shard jobs, then a merge job that runs only
# when every shard succeeded (afterok). Prints the two job ids.
#
#   scripts/slurm/submit.sh N OUT p2sam-ARGS...
#   e.g. scripts/slurm/submit.sh 8 runs/lidc-eval evaluate --dataset npz:lidc.npz --method box-jitter --count 16
#        scripts/slurm/submit.sh 8 runs/lidc-sample sample --dataset npz:lidc.npz --count 16
#
# Environment: P2SAM (the p2sam binary; default: p2sam on PATH), SBATCH_EXTRA (more sbatch options for
# both jobs, e.g. "--partition=cpu --time=04:00:00"), P2SAM_WAIT=1 (block until the merge has finished;
# its exit status is the run's).
set -euo pipefail
if [ "$#" -lt 3 ]; then sed -n '2,12p' "$0"; exit 2; fi
count="$1"; out="$2"; shift 2
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: N must be a positive integer (got '$count')" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out/logs"
read -r -a extra <<< "${SBATCH_EXTRA:-}"
array=$(sbatch --parsable "${extra[@]}" --array="0-$((count - 1))" --export="ALL,P2SAM_SHARDS=$count" \
        --output="$out/logs/shard-%a.out" "$here/shard.sbatch" "$out" "$@")
array="${array%%;*}"
wait=()
if [ "${P2SAM_WAIT:-0}" = 1 ]; then wait=(--wait); fi
merge=$(sbatch --parsable "${extra[@]}" "${wait[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --output="$out/logs/merge.out" "$here/merge.sbatch" "$out" "$count")
echo "array job ${array} (shards 0-$((count - 1))), merge job ${merge%%;*}"
