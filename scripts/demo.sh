#!/usr/bin/env bash
# The README's main job on the bundled default: installs what it needs, builds in release mode, then
#  1. P²SAM draws 16 plausible masks for the bundled synthetic case with the bundled default model,
#     writes them with the frequency, entropy and grid PNGs, and prints the scores against the case's
#     four raters;
#  2. LiteMedSAM segments the same case from a box (mask, overlay, logits) and scores that one mask.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
swift build -c release
p2sam=.build/release/p2sam
case_dir=Examples/data/synthetic-0000
out=out/demo
rm -rf "$out" && mkdir -p "$out/litemedsam" "$out/raters"
cp "$case_dir"/rater*.png "$out/raters/"
"$p2sam" sample --image "$case_dir/image.png" --count 16 --seed 7 --output "$out/p2sam" --raters "$case_dir"
"$p2sam" segment --image "$case_dir/image.png" --box 42,53,89,99 \
  --output "$out/litemedsam/mask.png" --overlay "$out/overlay.png" --logits "$out/logits.npy"
"$p2sam" score --samples "$out/litemedsam" --raters "$out/raters" --json "$out/score.json"
echo "demo: P²SAM samples, frequency.png, entropy.png and grid.png in $out/p2sam; LiteMedSAM mask, overlay and logits in $out"
