#!/usr/bin/env bash
# `npm run bench`: the side-by-side queue benchmarks (bench/run.ts), then the autoscaling scenario
# (bench/autoscale.ts, a simulated cluster), the operator at scale (bench/operator-scale.ts), the
# dashboard over 200 queues (bench/dashboard.ts), and, unless --only narrows the run,
# Celeriac-only scenarios: delayed-task lateness (bench/delays.ts) and workflow overheads
# (bench/workflows.ts). All print JSON lines; see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
bash test/cluster/build.sh
node bench/run.ts "$@"
node bench/autoscale.ts "$@"
node bench/operator-scale.ts "$@"
node bench/dashboard.ts "$@"
quick=0 only=0
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    --only|--only=*) only=1 ;;
  esac
done
if [ $only = 0 ]; then
  if [ $quick = 1 ]; then
    node bench/delays.ts --quick
    node bench/workflows.ts 100 5
  else
    node bench/delays.ts
    node bench/workflows.ts 1000 20
  fi
fi
