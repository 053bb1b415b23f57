#!/usr/bin/env bash
# README command 1: install everything (scripts/setup.sh, without Chromium),
# then start the whole product offline with `pnpm dev` (scripts/stack.ts):
# the Autumn sandbox, the offline Convex host and the web app, with state
# kept in .data/ across restarts. Arguments pass through: `bash
# scripts/dev.sh --reset` starts from empty data.
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_CHROMIUM=${SKIP_CHROMIUM:-1} bash scripts/setup.sh
exec pnpm dev "$@"
