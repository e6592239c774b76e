#!/usr/bin/env bash
# The fine-tuning runs behind docs/umedsam-results.md (2026-12-01 rows: seven datasets), one model per row over
# all datasets, the first 24 usable training / validation cases of each (sorted ids; empty majorities left out).
# Usage: [P2SAM=BIN] [CACHE=DIR] bash scripts/umedsam-results.sh [DATA_ROOT] [OUT] [ROW...]; then
# python3 scripts/umedsam-table.py OUT. ROWs: full nosam fixed mpa shape (default: all).
set -euo pipefail
DATA=${1:-/work/shared/data}
OUT=${2:-/tmp/umedsam-results}
B=${P2SAM:-.build/release/p2sam}
CACHE=${CACHE:-$HOME/.cache/p2sam/embeddings}
mkdir -p "$OUT"
COMMON=(--recipe umedsam --dataset "folder:$DATA/hc18" --dataset "folder:$DATA/ph2" --dataset "folder:$DATA/shenzhen-cxr"
  --train-dataset "labels:$DATA/acdc/train" --val-dataset "labels:$DATA/acdc/val"
  --dataset "bubil:$DATA/bu-bil-d1#split=sorted-names,target=gold"
  --dataset "npz:$DATA/qubiq-brain-growth/qubiq_brain_growth_128.npz#split=sorted-names"
  --dataset "npz:$DATA/lidc-real/lidc_crops_128.npz#split=leave-one-group-out/0,window=lung"
  --max-train-cases 24 --max-val-cases 24 --epochs 2 --no-progress --report-points 3 --cache-dir "$CACHE")
run() {
  local name=$1
  shift
  [ -f "$OUT/$name.json" ] && return
  nice -n 10 "$B" finetune "${COMMON[@]}" --output "$OUT/$name.safetensors" --json "$OUT/$name.json" "$@" > "$OUT/$name.log" 2>&1
  echo "done $name"
}
shift $(($# < 2 ? $# : 2))
ROWS=("${@:-full nosam fixed mpa shape}")
for row in ${ROWS[*]}; do
  case $row in
    full) run full ;;
    nosam) run nosam --no-sharpness-aware ;;
    fixed) run fixed --loss-weights fixed ;;
    mpa) run mpa --prompts mixed --trainable decoder+prompt --no-sharpness-aware ;;
    shape) run shape --terms shape --no-sharpness-aware ;;
    *) echo "unknown row $row" >&2; exit 2 ;;
  esac
done
