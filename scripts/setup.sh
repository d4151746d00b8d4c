#!/usr/bin/env bash
# Sets up Siamese Lab on a fresh Debian/Ubuntu machine with Node.js 20:
# system packages (OpenBLAS for the fast backend, Chromium for the report test, Fashion-MNIST,
# redis-server for the distributed-sweep tests),
# pnpm 10, the workspace's npm packages, and the native OpenBLAS addon.
# Safe to run again. Set SIAMESE_LAB_SKIP_APT=1 to skip the system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libopenblas-dev libdnnl-dev chromium dataset-fashion-mnist redis-server)
if [[ "${SIAMESE_LAB_SKIP_APT:-0}" != 1 ]] && command -v apt-get >/dev/null; then
  missing=()
  for package in "${apt_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "setup: Siamese Lab needs Node.js 20 or newer (found $(node --version))" >&2
  exit 1
fi

if ! command -v pnpm >/dev/null || [[ $(pnpm --version | cut -d. -f1) != 10 ]]; then
  echo "setup: installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

pnpm install --frozen-lockfile
pnpm run build
