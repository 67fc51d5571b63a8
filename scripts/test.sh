#!/usr/bin/env bash
# THE test command (`npm test`): install, build the test servers, lint, type-check, then run every
# unit, integration and end-to-end test. Tests start the servers they need themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# npm puts node_modules/.bin first on PATH, so `node` below is the pinned Node 24.
export PATH="$PWD/node_modules/.bin:$PATH"
echo "[test] node $(node --version)"
bash test/cluster/build.sh
echo "[test] lint"
eslint --max-warnings=0 .
echo "[test] type-check"
tsc -p tsconfig.json
echo "[test] vitest"
# Correctness tests run once; the few timing tests with their own retry are listed at the end of
# vitest's output and in test-results/retried.json (test/support/retried-reporter.ts) for CI to keep.
vitest run "$@"
