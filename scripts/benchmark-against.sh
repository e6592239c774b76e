#!/usr/bin/env bash
# Benchmarks this checkout against another revision on the same machine in the same run:
#   bash scripts/benchmark-against.sh REV [ROUNDS]
# builds REV (default: HEAD~1) in a temporary worktree, then runs `p2sam benchmark --training` of the
# two builds alternately (A, B, A, B, ...; ROUNDS each, default 2) and prints every table with its
# label. Run it alone on the machine: a build or training next to it distorts timings several-fold.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD~1}"
rounds="${2:-2}"
root="$(pwd)"
base="$(mktemp -d /tmp/p2sam-bench-XXXXXX)"
cleanup() { git -C "$root" worktree remove --force "$base/tree" >/dev/null 2>&1 || true; rm -rf "$base"; }
trap cleanup EXIT
git worktree add --detach "$base/tree" "$rev" >/dev/null
ln -s "$root/Models/lite_medsam.pth" "$base/tree/Models/lite_medsam.pth"
echo "building $rev ($(git rev-parse --short "$rev")) and this checkout ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', modified'))"
(cd "$base/tree" && swift build -c release --scratch-path "$base/build" >/dev/null)
swift build -c release >/dev/null
for round in $(seq 1 "$rounds"); do
  for side in base new; do
    if [ "$side" = base ]; then dir="$base/tree"; bin="$base/build/release/p2sam"; else dir="$root"; bin="$root/.build/release/p2sam"; fi
    echo "=== round $round: $side ($([ "$side" = base ] && echo "$rev" || echo HEAD)) ==="
    (cd "$dir" && "$bin" benchmark --training)
  done
done
