#!/usr/bin/env bash
# README command 2: install everything, then run every suite — typecheck,
# vitest (all projects) and Playwright (Debian Chromium) — and end with one
# plain line `N passed, M failed` summed over all of them. Exits non-zero if
# anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

reports=$(mktemp -d)
status=0

echo "› typecheck"
if pnpm -s typecheck; then echo "ok" > "$reports/typecheck"; else echo "fail" > "$reports/typecheck"; status=1; fi

echo "› vitest"
pnpm -s exec vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || status=1

echo "› playwright (Debian Chromium)"
CI=1 PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/playwright.json" pnpm -s exec playwright test || status=1

node scripts/summarize.mjs "$reports" || status=1
exit $status
