#!/usr/bin/env bash
# Held-out P²SAM results (docs/p2sam-results.md): every row is one `p2sam evaluate` run.
# Usage: bash scripts/p2sam-results.sh DATA_DIR MODELS_DIR OUT_DIR
#   DATA_DIR   the shared data folder (qubiq-brain-growth/, lidc-real/); never committed
#   MODELS_DIR folder with qubiq-s2-{sparse,dense,sparse-hungarian}.safetensors, qubiq-s1only-sparse.safetensors,
#              lidc0001-s2-sparse.safetensors, lidc0001-s1only-sparse.safetensors
set -euo pipefail
data=$1; models=$2; out=$3
p2sam=${P2SAM:-.build/release/p2sam}
mkdir -p "$out"
run() {  # name, dataset args..., -- method args...
  local name=$1; shift
  for conv in "16 standard per-rater" "16 p2sam global" "32 standard per-rater"; do
    set -- "$@"
    read -r n hm dm <<< "$conv"
    "$p2sam" evaluate "$@" --count "$n" --seed 1 --hm-iou "$hm" --dmax "$dm" \
      --json "$out/$name-n$n-$hm.json" > /dev/null 2>> "$out/progress.log"
  done
}
qubiq=(--dataset "npz:$data/qubiq-brain-growth/qubiq_brain_growth_128.npz" --protocol sorted-names --split test)
lidc=(--dataset "npz:$data/lidc-real/lidc_crops_128.npz" --window lung --protocol leave-one-group-out --fold 0 --split test)
for v in sparse dense sparse-hungarian; do
  run "qubiq-p2sam-$v" "${qubiq[@]}" --method p2sam --model "$models/qubiq-s2-$v.safetensors"
done
run "qubiq-p2sam-s1only" "${qubiq[@]}" --method p2sam --model "$models/qubiq-s1only-sparse.safetensors"
run "qubiq-single" "${qubiq[@]}" --method single --box-quality jitter:2
run "qubiq-boxjitter" "${qubiq[@]}" --method box-jitter --jitter 0.1 --box-quality jitter:2
run "lidc0001-p2sam-sparse" "${lidc[@]}" --method p2sam --model "$models/lidc0001-s2-sparse.safetensors"
run "lidc0001-p2sam-s1only" "${lidc[@]}" --method p2sam --model "$models/lidc0001-s1only-sparse.safetensors"
run "lidc0001-single" "${lidc[@]}" --method single --box-quality jitter:2
run "lidc0001-boxjitter" "${lidc[@]}" --method box-jitter --jitter 0.1 --box-quality jitter:2
echo "wrote $out"
