#!/usr/bin/env bash
# Installs the npm dependencies (including the pinned Node 24 binary) when node_modules is missing
# or older than package-lock.json, so `npm test` and `npm run demo` work on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.celeriac-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  echo "[setup] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
# The dashboard's browser test drives Debian's chromium (browsers cannot be downloaded here, and
# playwright-core brings none). Installed once, with apt, when missing.
if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing chromium (apt) for the dashboard's browser test"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "[setup] no /usr/bin/chromium and no apt-get: install chromium, or set CHROMIUM_PATH, for test/e2e/dashboard-browser.test.ts" >&2
  fi
fi
