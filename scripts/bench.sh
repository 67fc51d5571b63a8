#!/usr/bin/env bash
# `npm run bench`: the side-by-side queue benchmarks (bench/run.ts), then the autoscaling scenario
# (bench/autoscale.ts, a simulated cluster). Both take the same flags; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
bash test/cluster/build.sh
node bench/run.ts "$@"
node bench/autoscale.ts "$@"
node bench/operator-scale.ts "$@"
