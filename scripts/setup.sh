#!/usr/bin/env bash
# Installs everything this repository needs on a fresh machine that has only
# Node 20 and npm: Debian's Chromium (for browser tests; never a downloaded
# browser), pnpm 10.34.9, and the workspace's dependencies. Idempotent: each
# step is skipped when already satisfied, so it is cheap to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt "$need_node_major" ]; then
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
  npm install -g --force --silent pnpm@10.34.9
fi

echo "› installing dependencies"
pnpm install --frozen-lockfile --reporter=silent
