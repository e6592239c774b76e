#!/usr/bin/env bash
# Installs the Debian -dev packages the package links against, if any is missing.
# OpenBLAS (CBLAS GEMM), GSL (random numbers), libpng (image I/O), zlib (.npz / .nii.gz).
set -euo pipefail
packages=(libopenblas-dev libgsl-dev libpng-dev zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
