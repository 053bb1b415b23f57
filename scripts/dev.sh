#!/usr/bin/env bash
# README command 1: install everything, then start the product locally.
# Today that is the Autumn sandbox (hosted checkout, portal, test clock);
# later issues add the Convex host and the web app to `pnpm dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_CHROMIUM=${SKIP_CHROMIUM:-1} bash scripts/setup.sh
exec pnpm dev
