#!/usr/bin/env bash
# Produces the runs behind docs/uncertainty-results.md (JSON in $OUT, default /tmp/unc-results).
# Usage: bash scripts/uncertainty-results.sh [DATA_ROOT] [OUT]; then python3 scripts/uncertainty-table.py OUT.
set -euo pipefail
DATA=${1:-/work/shared/data}
OUT=${2:-/tmp/unc-results}
B=${P2SAM:-.build-unc/release/p2sam}
mkdir -p "$OUT"
declare -A SPEC=(
  [qubiq]="--dataset npz:$DATA/qubiq-brain-growth/qubiq_brain_growth_128.npz --split all"
  [lidc]="--dataset npz:$DATA/lidc-real/lidc_crops_128.npz --window lung --split all"
  [bubil]="--dataset bubil:$DATA/bu-bil-d1 --split-protocol sorted-names --split test"
)
METHODS=(
  "single|--method single"
  "boxens|--method box-jitter"
  "ursam-lit|--method ursam --lower-bound literal"
  "ursam-mid|--method ursam --lower-bound midpoint"
  "ugpa-box|--method medsamu --points 0"
  "ugpa-pts|--method medsamu --points 10"
)
for q in 0.5 0.75; do
  for d in qubiq lidc bubil; do
    for m in "${METHODS[@]}"; do
      name=${m%%|*}; args=${m#*|}
      [ -f "$OUT/$d-$q-$name.json" ] && continue
      # shellcheck disable=SC2086
      "$B" evaluate ${SPEC[$d]} $args --box-quality iou:$q --box-from union --count 3 --seed 1 \
        --json "$OUT/$d-$q-$name.json" > "$OUT/$d-$q-$name.txt" 2> "$OUT/$d-$q-$name.log"
      echo "done $d $q $name"
    done
  done
done
# Reference rows: the tight box (oracle prompt), and the fixed-threshold baselines on the IoU-0.5 boxes.
for d in qubiq lidc bubil; do
  for m in "tight-single|--method single --box-quality tight" \
           "0.5-ursam-ens|--method ursam --ursam-output ensemble --box-quality iou:0.5" \
           "0.5-fpc|--method ursam --ursam-output fpc --box-quality iou:0.5" \
           "0.5-fnc|--method ursam --ursam-output fnc --box-quality iou:0.5" \
           "0.5-fpnc|--method ursam --ursam-output fpnc --box-quality iou:0.5"; do
    name=${m%%|*}; args=${m#*|}
    [ -f "$OUT/$d-$name.json" ] && continue
    # shellcheck disable=SC2086
    "$B" evaluate ${SPEC[$d]} $args --box-from union --count 3 --seed 1 \
      --json "$OUT/$d-$name.json" > "$OUT/$d-$name.txt" 2> "$OUT/$d-$name.log"
    echo "done $d $name"
  done
done
