#!/usr/bin/env bash
# The README's test command: installs what it needs, builds in release mode, runs every test.
# The last line sums up XCTest's totals as "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
swift build -c release
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test -c release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary="$(grep -E 'Executed [0-9]+ tests?, with' "$log" | tail -n 1 || true)"
if [ -n "$summary" ]; then
  executed="$(grep -oE 'Executed [0-9]+' <<< "$summary" | grep -oE '[0-9]+')"
  failed="$(grep -oE '[0-9]+ failures?' <<< "$summary" | grep -oE '^[0-9]+' || echo 0)"
  skipped="$(grep -oE '[0-9]+ tests? skipped' <<< "$summary" | grep -oE '^[0-9]+' || echo 0)"
  echo "tests: $((executed - failed - skipped)) passed, $failed failed, $skipped skipped"
fi
exit "$status"
