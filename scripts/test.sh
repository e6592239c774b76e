#!/usr/bin/env bash
# The README's test command: installs what it needs, builds in release mode, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-checkpoint.sh
swift build -c release
swift test -c release "$@"
