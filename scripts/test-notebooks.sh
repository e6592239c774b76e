#!/usr/bin/env bash
# Executes every notebook in Notebooks/ headless, from a temporary working directory, on a temporary copy
# (the committed notebooks keep their outputs), with Jupyter's nbconvert in a virtual environment under
# .build-notebooks/ (pinned packages from PyPI). Needs the release build (.build/release/p2sam).
# Prints "notebook test: passed (N notebooks)" or "notebook test: FAILED: which"; exit status follows.
#   bash scripts/test-notebooks.sh            # execute into a temporary copy (what the tests do)
#   bash scripts/test-notebooks.sh --update   # execute and write the outputs back into Notebooks/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
update=0
[ "${1:-}" = "--update" ] && update=1
venv="$root/.build-notebooks/venv"
if [ ! -x "$venv/bin/jupyter-nbconvert" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    nbconvert==7.16.6 nbclient==0.10.2 ipykernel==6.29.5 matplotlib==3.10.3 pillow==11.2.1 numpy==2.2.6
fi
[ -x "$root/.build/release/p2sam" ] || { echo "notebook test: FAILED: build first (swift build -c release)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
count=0
for notebook in "$root"/Notebooks/*.ipynb; do
  name="$(basename "$notebook")"
  cp "$notebook" "$work/$name"
  # The kernel starts in the temporary folder: the notebook must find the repository through P2SAM_ROOT.
  if ! (cd "$work" && P2SAM_ROOT="$root" "$venv/bin/jupyter-nbconvert" --to notebook --execute \
    --inplace --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.kernel_name=python3 "$work/$name" \
    >"$work/$name.log" 2>&1); then
    tail -n 40 "$work/$name.log"
    echo "notebook test: FAILED: $name"
    exit 1
  fi
  [ "$update" = 1 ] && cp "$work/$name" "$notebook"
  count=$((count + 1))
done
echo "notebook test: passed ($count notebooks)"
