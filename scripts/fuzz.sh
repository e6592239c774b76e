#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/, one per loader) with -sanitize=fuzzer,address and runs them.
#
#   scripts/fuzz.sh --replay            run every committed seed and regression input once (ASan), then stop
#   scripts/fuzz.sh SECONDS [HARNESS…]  fuzz each harness for SECONDS (default 60) from its corpus
#   scripts/fuzz.sh --runs N [HARNESS…] fuzz each harness for N executions
#
# Harnesses: png pth pickle npy npz nifti safetensors report. New corpus entries go to .build-fuzz/corpus/<h>
# (not committed); crashes, leaks and timeouts to .build-fuzz/findings/<h>. Each run's last
# libFuzzer status line (executions, exec/s) is printed. Exit status 1 if any harness fails.
set -euo pipefail
cd "$(dirname "$0")/.."
all=(png pth pickle npy npz nifti safetensors report)

mode=time; limit=60
case "${1:-}" in
  --replay) mode=replay; shift ;;
  --runs) mode=runs; limit="$2"; shift 2 ;;
  ''|*[!0-9]*) ;;
  *) limit="$1"; shift ;;
esac
harnesses=("$@"); [ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

bash scripts/install-deps.sh
scratch="$PWD/.build-fuzz"
# ld.gold cannot link the fuzzer runtime into Swift executables here; lld (shipped with Swift) can.
build_log="$(mktemp)"
if ! (cd Fuzz && swift build -c release --scratch-path "$scratch" \
      -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld) >"$build_log" 2>&1; then
  echo "fuzz: building the harnesses failed:"; grep -vE '^\[[0-9]+/[0-9]+\]' "$build_log" | tail -n 30
  rm -f "$build_log"; exit 1
fi
rm -f "$build_log"
bin="$(cd Fuzz && swift build -c release --scratch-path "$scratch" --show-bin-path)"

# Every input is bounded (-rss_limit_mb, -timeout); a leak, crash, OOM or hang fails the run.
common=(-rss_limit_mb=3072 -timeout=20 -detect_leaks=1 -print_final_stats=1)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
status=0
for h in "${harnesses[@]}"; do
  exe="$bin/fuzz-$h"
  [ -x "$exe" ] || { echo "fuzz: no harness $h"; status=1; continue; }
  findings="$scratch/findings/$h"; mkdir -p "$findings"
  log="$scratch/findings/$h.log"
  if [ "$mode" = replay ]; then
    log="$scratch/findings/$h.replay.log"
    # Harnesses without regression inputs have no Regressions folder (git keeps no empty folders).
    inputs=("Fuzz/Corpus/$h")
    [ -d "Fuzz/Regressions/$h" ] && inputs+=("Fuzz/Regressions/$h")
    if "$exe" "${common[@]}" -runs=0 -artifact_prefix="$findings/" "${inputs[@]}" >"$log" 2>&1; then
      echo "fuzz replay $h: $(find "${inputs[@]}" -type f | wc -l) inputs, no crash, leak or hang"
    else
      echo "fuzz replay $h: FAILED (see $log)"; tail -n 30 "$log"; status=1
    fi
    continue
  fi
  # Fuzzing starts from the seeds only (the regression inputs include inflation bombs that would slow
  # every mutation); --replay covers the regression inputs.
  corpus="$scratch/corpus/$h"; mkdir -p "$corpus"
  bound=(-max_total_time="$limit"); [ "$mode" = runs ] && bound=(-runs="$limit")
  if "$exe" "${common[@]}" "${bound[@]}" -artifact_prefix="$findings/" "$corpus" "Fuzz/Corpus/$h" >"$log" 2>&1; then
    runs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
    rate="$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
    echo "fuzz $h: $runs executions, $rate exec/s, no crash, leak or hang"
  else
    echo "fuzz $h: FAILED (see $log; inputs in $findings)"; tail -n 40 "$log"; status=1
  fi
done
exit "$status"
