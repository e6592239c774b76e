#!/usr/bin/env bash
# The README's main job on the bundled default: installs what it needs, builds in release mode,
# segments the bundled example case with LiteMedSAM from a box, writes the mask and an overlay,
# and scores the mask against the case's four raters.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
swift build -c release
p2sam=.build/release/p2sam
case_dir=Examples/data/synthetic-0000
out=out/demo
rm -rf "$out" && mkdir -p "$out/samples" "$out/raters"
cp "$case_dir"/rater*.png "$out/raters/"
"$p2sam" segment --image "$case_dir/image.png" --box 42,53,89,99 \
  --output "$out/samples/mask.png" --overlay "$out/overlay.png" --logits "$out/logits.npy"
"$p2sam" score --samples "$out/samples" --raters "$out/raters" --json "$out/score.json"
echo "demo: wrote $out/samples/mask.png, $out/overlay.png, $out/logits.npy and $out/score.json"
