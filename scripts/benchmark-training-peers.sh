#!/usr/bin/env bash
# The U-MedSAM fine-tuning step (batch 2 cached cases, plain and sharpness-aware) of `p2sam benchmark --training`
# beside the same step in PyTorch eager (LiteMedSAM's own model code), interleaved in one run on this machine:
#
#   bash scripts/benchmark-training-peers.sh [ROUNDS]        (default 3 rounds)
#
# Uses the Python environment scripts/benchmark-peers.sh sets up in .build-peers/venv (run that once first);
# torch comes from that venv or from TORCH_PYTHON (an interpreter that has torch, default /tmp/torchenv/bin/python).
# Environment: P2SAM (binary, default .build/release/p2sam), CHECKPOINT (default Models/lite_medsam.pth),
# THREADS (2), RUNS (timed steps per round, 3). Results: .build-peers/results/training/. Run it on an idle
# machine: other jobs distort both sides.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${1:-3}
py=$root/.build-peers/venv/bin/python
p2sam=${P2SAM:-$root/.build/release/p2sam}
checkpoint=${CHECKPOINT:-$root/Models/lite_medsam.pth}
[ -x "$py" ] || { echo "error: no $py: run scripts/benchmark-peers.sh once to set up the peers' environment" >&2; exit 1; }
[ -x "$p2sam" ] || { echo "error: no p2sam binary at $p2sam (swift build -c release)" >&2; exit 1; }
[ -f "$checkpoint" ] || { echo "error: no checkpoint at $checkpoint (scripts/fetch-checkpoint.sh)" >&2; exit 1; }
torch_site=""
if ! "$py" -c "import torch" 2>/dev/null; then
    candidate=${TORCH_PYTHON:-/tmp/torchenv/bin/python}
    if [ -x "$candidate" ] && "$candidate" -c "import torch, timm" 2>/dev/null; then
        torch_site=$("$candidate" -c "import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))")
    else
        echo "error: no torch in $py and none in TORCH_PYTHON ($candidate)" >&2
        exit 1
    fi
fi
PYTHONWARNINGS=ignore "$py" scripts/benchmark_training_peers.py run --p2sam "$p2sam" --checkpoint "$checkpoint" \
    --rounds "$rounds" --runs "${RUNS:-3}" --threads "${THREADS:-2}" --out "$root/.build-peers/results/training" \
    ${torch_site:+--torch-site "$torch_site"}
