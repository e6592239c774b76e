#!/usr/bin/env bash
# Builds Examples/ConsumerPackage (a package depending on this one by path, as an application would) in a
# temporary build folder and runs it from another working directory with no model variables set: it must
# find Models/lite_medsam.pth and the bundled P²SAM model of this checkout through the library's search
# order. Then checks that a P2SAM_CHECKPOINT naming a missing file fails with the library's error.
# Prints "consumer test: passed" or "consumer test: FAILED: why"; exit status follows.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
elsewhere="$(mktemp -d)"
trap 'rm -rf "$scratch" "$elsewhere"' EXIT
fail() { echo "consumer test: FAILED: $*"; exit 1; }
start=$SECONDS
# Debug is enough: the program only locates and loads the models (strictly, every key).
swift build --package-path "$root/Examples/ConsumerPackage" --scratch-path "$scratch" --product consumer \
  >"$scratch/build.log" 2>&1 || { tail -n 30 "$scratch/build.log"; fail "the package did not build"; }
binary="$scratch/debug/consumer"
cd "$elsewhere"
output="$(env -u P2SAM_CHECKPOINT -u P2SAM_MODEL -u P2SAM_CACHE HOME="$elsewhere" XDG_CACHE_HOME= "$binary")" \
  || fail "it did not run from $elsewhere: $output"
echo "$output" | sed 's/^/  /'
grep -qx "checkpoint: $root/Models/lite_medsam.pth" <<< "$output" || fail "checkpoint not found in the checkout"
grep -qx "p2sam model: $root/Models/p2sam/default.safetensors" <<< "$output" || fail "bundled model not found"
missing="$elsewhere/absent.pth"
if output="$(P2SAM_CHECKPOINT="$missing" HOME="$elsewhere" "$binary" 2>&1)"; then
  fail "a P2SAM_CHECKPOINT naming a missing file was accepted"
fi
grep -q "no checkpoint at $missing" <<< "$output" || fail "unexpected error for a missing checkpoint: $output"
grep -q -- "--checkpoint" <<< "$output" && fail "the library advised a CLI flag: $output"
echo "consumer test: passed in $((SECONDS - start)) s"
