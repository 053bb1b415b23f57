#!/usr/bin/env bash
# Installs everything this repository needs on a fresh machine that has only
# Node 20 and npm: Debian's Chromium (for browser tests; never a downloaded
# browser), pnpm 10.34.9, and the workspace's dependencies. Idempotent: each
# step is skipped when already satisfied, so it is cheap to run every time.
# Installing Chromium (apt-get) and pnpm (npm install -g) needs root: run as
# root, or as a user with sudo (used for apt-get; for npm -g, a Node whose
# global prefix is writable, e.g. nvm's). Without either, install Chromium
# and pnpm 10.34.9 yourself first and these steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node >= 20.19 (vite 8 and the router plugin declare ^20.19 || >=22.12): major AND minor.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "Node >= 20.19 is required (found $(node --version))" >&2
  exit 1
fi

if [ "${SKIP_CHROMIUM:-0}" != "1" ] && ! command -v "${CHROMIUM_PATH:-chromium}" >/dev/null 2>&1; then
  echo "› installing Debian Chromium for browser tests"
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "10.34.9" ]; then
  echo "› installing pnpm 10.34.9"
  if ! npm install -g --force --silent pnpm@10.34.9; then
    echo "npm install -g failed: run as root, use sudo, or point npm's global prefix at a writable directory (npm config set prefix ~/.local)" >&2
    exit 1
  fi
fi

echo "› installing dependencies"
pnpm install --frozen-lockfile --reporter=silent
