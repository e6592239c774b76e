#!/usr/bin/env bash
# Formats every Swift source in place with the project's .swift-format (line length 120), or, with
# --check, fails listing the files and rules that differ (the test command runs the check).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Tests Examples Fuzz/Package.swift Fuzz/Sources)
if [ "${1:-}" = "--check" ]; then
  if ! out="$(swift format lint --strict --recursive --configuration .swift-format "${paths[@]}" 2>&1)"; then
    echo "$out" | head -n 40
    echo "swift-format: $(echo "$out" | grep -c 'warning\|error') finding(s); run: bash scripts/format.sh" >&2
    exit 1
  fi
  echo "swift-format: clean"
else
  swift format format --in-place --recursive --configuration .swift-format "${paths[@]}"
fi
