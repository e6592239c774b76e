#!/usr/bin/env bash
# Times `p2sam infer` beside the reference LiteMedSAM challenge script (CVPR24_LiteMedSAM_infer.py),
# interleaved round by round on the same cases: a 2D 256x256 case with 3 boxes and a 3D 20-slice
# 256x256 case with 2 objects (scripts/reference/make_infer_cases.py). Prints each tool's per-case
# seconds (model loading excluded in both) per round and the medians.
#
#   MEDSAM_REPO=/tmp/litemedsam_ref PYTHON=/tmp/torchenv/bin/python scripts/benchmark-infer.sh [ROUNDS]
#
# MEDSAM_REPO: a checkout of bowang-lab/MedSAM, branch LiteMedSAM (the reference script and its model
# code). PYTHON: an interpreter with torch, numpy, opencv-python-headless, timm, matplotlib, pandas,
# tqdm. P2SAM: the binary (default .build/release/p2sam). THREADS: reference torch threads (default 2).
# Timings are only comparable on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
p2sam=${P2SAM:-$root/.build/release/p2sam}
python=${PYTHON:-python3}
threads=${THREADS:-2}
: "${MEDSAM_REPO:?set MEDSAM_REPO to a checkout of bowang-lab/MedSAM, branch LiteMedSAM}"
checkpoint=${CHECKPOINT:-$root/Models/lite_medsam.pth}
[ -x "$p2sam" ] || { echo "error: $p2sam is not built (swift build -c release)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$root/scripts/reference/make_infer_cases.py" "$work/all" --data /nonexistent >/dev/null
mkdir "$work/cases"
cp "$work/all/2D_bench_256.npz" "$work/all/3D_bench_20.npz" "$work/cases/"

for r in $(seq 1 "$rounds"); do
    P2SAM_PROGRESS=never "$p2sam" infer --input "$work/cases" --output "$work/ours$r" --checkpoint "$checkpoint" >"$work/ours$r.log"
    "$python" "$root/scripts/reference/run_reference_infer.py" --medsam-repo "$MEDSAM_REPO" \
        --checkpoint "$checkpoint" --input "$work/cases" --output "$work/ref$r" --threads "$threads" \
        >"$work/ref$r.log" 2>&1
done

"$python" - "$work" "$rounds" <<'PY'
import csv, re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
ours, ref = {}, {}
for r in range(1, rounds + 1):
    for line in open(f"{work}/ours{r}.log"):
        m = re.match(r"\[\d+/\d+\] (\S+): .*, ([0-9.]+) s$", line.strip())
        if m:
            ours.setdefault(m.group(1), []).append(float(m.group(2)))
    for row in csv.DictReader(open(f"{work}/ref{r}/efficiency.csv")):
        ref.setdefault(row["case"], []).append(float(row["time"]))
print(f"{'case':18s} {'p2sam infer (s)':>16s} {'reference (s)':>14s}   per round (ours / reference)")
for case in sorted(ref):
    o, f = ours.get(case, []), ref[case]
    rows = "  ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(o, f))
    print(f"{case:18s} {statistics.median(o):16.2f} {statistics.median(f):14.2f}   {rows}")
PY
