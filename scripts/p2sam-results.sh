#!/usr/bin/env bash
# Held-out P²SAM results (docs/p2sam-results.md): every row is one `p2sam evaluate` run per metric convention.
# Usage: bash scripts/p2sam-results.sh DATA_DIR MODELS_DIR OUT_DIR [qubiq|lidc|bubil ...]
#   DATA_DIR   the shared data folder (qubiq-brain-growth/, lidc-real/, bu-bil-d1/); never committed
#   MODELS_DIR the models trained by the commands in docs/p2sam-results.md; a row whose model is missing is
#              skipped with a note. "Stage 1 only" models are derived here (scripts/make-stage1-only.py).
# Rows already present in OUT_DIR are not recomputed.
set -euo pipefail
data=$1; models=$2; out=$3; shift 3
sets=("$@"); [ ${#sets[@]} -eq 0 ] && sets=(qubiq lidc bubil)
p2sam=${P2SAM:-.build/release/p2sam}
mkdir -p "$out"

run() {  # NAME ARGS... : n = 16 (both conventions) and n = 32
  local name=$1; shift
  for conv in "16 standard per-rater" "16 p2sam global" "32 standard per-rater"; do
    read -r n hm dm <<< "$conv"
    local json="$out/$name-n$n-$hm.json"
    [ -s "$json" ] && continue
    "$p2sam" evaluate "$@" --count "$n" --seed 1 --hm-iou "$hm" --dmax "$dm" --json "$json" > /dev/null 2>> "$out/progress.log"
  done
  echo "done $name"
}
model_row() {  # NAME MODEL DATASET_ARGS...
  local name=$1 model=$2; shift 2
  if [ ! -f "$model" ]; then echo "skip $name: no $model"; return; fi
  run "$name" "$@" --method p2sam --model "$model"
}
stage1_only() {  # IN OUT: the PGN head zeroed (z = 0)
  [ -f "$1" ] && [ ! -f "$2" ] && python3 scripts/make-stage1-only.py "$1" "$2"; true
}
baselines() {  # PREFIX DATASET_ARGS... : oracle box from the raters' union, + U{0..2} px
  local prefix=$1; shift
  run "$prefix-single" "$@" --method single --box-quality jitter:2
  run "$prefix-boxjitter" "$@" --method box-jitter --jitter 0.1 --box-quality jitter:2
}

for set in "${sets[@]}"; do
  case $set in
  qubiq)
    args=(--dataset "npz:$data/qubiq-brain-growth/qubiq_brain_growth_128.npz" --split-protocol sorted-names --split test)
    stage1_only "$models/qubiq-s2-energy.safetensors" "$models/qubiq-s1only-energy.safetensors"
    stage1_only "$models/qubiq-s1single-wrap.safetensors" "$models/qubiq-s1single-only.safetensors"
    model_row qubiq-p2sam-energy "$models/qubiq-s2-energy.safetensors" "${args[@]}"
    model_row qubiq-p2sam-sparse-paperloss "$models/qubiq-s2-none.safetensors" "${args[@]}"
    model_row qubiq-p2sam-dense-energy "$models/qubiq-s2-dense-energy.safetensors" "${args[@]}"
    model_row qubiq-p2sam-dense-paperloss "$models/qubiq-s2-dense.safetensors" "${args[@]}"
    model_row qubiq-p2sam-lora-energy "$models/qubiq-s2-lora-energy.safetensors" "${args[@]}"
    stage1_only "$models/qubiq-s2-lora-energy.safetensors" "$models/qubiq-s1only-lora.safetensors"
    model_row qubiq-stage1-lora "$models/qubiq-s1only-lora.safetensors" "${args[@]}"
    # the LoRA run's control: the same 8 extra stage-1 epochs without LoRA
    stage1_only "$models/qubiq-s1cont-wrap.safetensors" "$models/qubiq-s1only-cont.safetensors"
    model_row qubiq-stage1-continued "$models/qubiq-s1only-cont.safetensors" "${args[@]}"
    model_row qubiq-p2sam-sparse-hungarian "$models/qubiq-s2-sparse-hungarian.safetensors" "${args[@]}"
    model_row qubiq-stage1-assembling "$models/qubiq-s1only-energy.safetensors" "${args[@]}"
    model_row qubiq-stage1-noassembling "$models/qubiq-s1single-only.safetensors" "${args[@]}"
    baselines qubiq "${args[@]}"
    ;;
  lidc)
    for f in 0001 0002 0003; do
      args=(--dataset "npz:$data/lidc-real/lidc_crops_128.npz" --window lung --split-protocol leave-one-group-out
            --fold "test=LIDC-IDRI-$f" --split test)
      # stage 1 on all raters (--stage1-raters all), stage 2 energy: the LIDC recipe
      stage1_only "$models/lidc$f-s2-all-energy.safetensors" "$models/lidc$f-s1only-all.safetensors"
      model_row "lidc$f-p2sam-energy-allraters" "$models/lidc$f-s2-all-energy.safetensors" "${args[@]}"
      model_row "lidc$f-stage1-allraters" "$models/lidc$f-s1only-all.safetensors" "${args[@]}"
      # the paper's stage 1 (non-empty raters only), with the energy loss and with the paper's loss
      stage1_only "$models/lidc$f-s2-energy.safetensors" "$models/lidc$f-s1only-energy.safetensors"
      stage1_only "$models/lidc$f-s2-sparse.safetensors" "$models/lidc$f-s1only-energy.safetensors"
      model_row "lidc$f-p2sam-energy" "$models/lidc$f-s2-energy.safetensors" "${args[@]}"
      model_row "lidc$f-p2sam-sparse-paperloss" "$models/lidc$f-s2-sparse.safetensors" "${args[@]}"
      model_row "lidc$f-stage1-assembling" "$models/lidc$f-s1only-energy.safetensors" "${args[@]}"
      baselines "lidc$f" "${args[@]}"
    done
    ;;
  bubil)
    args=(--dataset "bubil:$data/bu-bil-d1" --split-protocol sorted-names --split test)
    stage1_only "$models/bubil-s2-energy.safetensors" "$models/bubil-s1only-energy.safetensors"
    model_row bubil-p2sam-energy "$models/bubil-s2-energy.safetensors" "${args[@]}"
    model_row bubil-stage1-assembling "$models/bubil-s1only-energy.safetensors" "${args[@]}"
    baselines bubil "${args[@]}"
    ;;
  *) echo "unknown set $set (qubiq | lidc | bubil)"; exit 2 ;;
  esac
done
echo "wrote $out"
