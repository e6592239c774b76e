#!/usr/bin/env bash
# The README's test command: installs what it needs, builds in release mode, runs every test, then
# the Slurm recipe on a real one-node Slurm (scripts/slurm/test-slurm.sh; skipped only when not root).
# The last line sums up the totals (XCTest's plus the Slurm test, the fuzz-corpus replay and the format
# check) as "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
# Formatting (.swift-format, line length 120) is checked first: `bash scripts/format.sh` fixes it.
format_status=0
bash scripts/format.sh --check || format_status=1
swift build -c release
# Replay every committed fuzz seed and issue-16 regression input under AddressSanitizer (libFuzzer
# harnesses in Fuzz/, built in .build-fuzz); long fuzzing runs are `scripts/fuzz.sh SECONDS`.
# Set P2SAM_SKIP_FUZZ_REPLAY=1 to skip.
replay_status=0
if [ "${P2SAM_SKIP_FUZZ_REPLAY:-0}" != 1 ]; then
  bash scripts/fuzz.sh --replay || replay_status=1
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test -c release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Only when a filter was given (`scripts/test.sh --filter X`) are the Slurm, notebook, docs and consumer-package tests left out.
slurm_passed=0; slurm_failed=0; slurm_skipped=0
if [ "$#" -eq 0 ]; then
  bash scripts/slurm/test-slurm.sh .build/release/p2sam 2>&1 | tee -a "$log"
  slurm_status=${PIPESTATUS[0]}
  if [ "$slurm_status" != 0 ]; then slurm_failed=1; status=1
  elif grep -q '^slurm test: SKIPPED' "$log"; then slurm_skipped=1
  else slurm_passed=1; fi
fi
# The notebooks execute headless from a temporary folder (scripts/test-notebooks.sh).
notebook_passed=0; notebook_failed=0
if [ "$#" -eq 0 ]; then
  if bash scripts/test-notebooks.sh 2>&1 | tee -a "$log"; then notebook_passed=1; else notebook_failed=1; status=1; fi
fi
# The DocC archive builds without warnings and every public type and function has a doc comment.
docs_passed=0; docs_failed=0
if [ "$#" -eq 0 ]; then
  if bash scripts/docs.sh 2>&1 | tee -a "$log"; then docs_passed=1; else docs_failed=1; status=1; fi
fi
# A package that depends on this one by path finds the models from another working directory.
consumer_passed=0; consumer_failed=0
if [ "$#" -eq 0 ]; then
  if bash scripts/test-consumer-package.sh 2>&1 | tee -a "$log"; then consumer_passed=1; else consumer_failed=1; status=1; fi
fi
set -e
summary="$(grep -E 'Executed [0-9]+ tests?, with' "$log" | tail -n 1 || true)"
if [ -n "$summary" ]; then
  executed="$(grep -oE 'Executed [0-9]+' <<< "$summary" | grep -oE '[0-9]+')"
  failed="$(grep -oE '[0-9]+ failures?' <<< "$summary" | grep -oE '^[0-9]+' || echo 0)"
  skipped="$(grep -oE '[0-9]+ tests? skipped' <<< "$summary" | grep -oE '^[0-9]+' || echo 0)"
  extra_failed=$((slurm_failed + consumer_failed + notebook_failed + docs_failed + (replay_status != 0) + (format_status != 0)))
  extra_passed=$((slurm_passed + consumer_passed + notebook_passed + docs_passed + (replay_status == 0) + (format_status == 0)))
  echo "tests: $((executed - failed - skipped + extra_passed)) passed, $((failed + extra_failed)) failed, $((skipped + slurm_skipped)) skipped"
fi
[ "$replay_status" -eq 0 ] || status=1
[ "$format_status" -eq 0 ] || status=1
exit "$status"
