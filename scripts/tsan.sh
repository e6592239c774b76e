#!/usr/bin/env bash
# Runs the two-thread predictor/sampler test (ConcurrentUseTests) under ThreadSanitizer, release build,
# in its own scratch folder (.build-tsan). Exit status 1 on any reported data race or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
swift test -c release --sanitize=thread --scratch-path "$PWD/.build-tsan" --filter "${1:-ConcurrentUseTests}"
