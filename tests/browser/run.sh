#!/usr/bin/env bash
# Browser tests of the portal page and brokerlink/portal (openPortal) in Debian's Chromium, driven
# by playwright-core, against sandboxes started in-process through the npm package (bindings-node).
#
#   tests/browser/run.sh                 # install what is missing, type-check, run the tests
#   tests/browser/run.sh --screenshots   # also remake the screenshots in docs/
#
# Installs Chromium with apt-get when /usr/bin/chromium is missing, playwright-core and
# @finatic/client (for the official-client test) into tests/browser/node_modules from its lock
# file, and builds the Node addon only when it is missing or older than its sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
step() { printf '\n==> browser: %s\n' "$*"; }
screenshots=false
[ "${1:-}" = "--screenshots" ] && screenshots=true

step "Chromium"
chromium="${BROKERLINK_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
"$chromium" --version 2>/dev/null | grep -v 'unexpected operator' || true

step "playwright-core and @finatic/client (npm install from package-lock.json, when it changed)"
cd "$here"
lock_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "$(cat node_modules/.brokerlink-lock 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --loglevel=error
  echo "$lock_hash" > node_modules/.brokerlink-lock
fi

step "the npm package's addon (bindings-node), when missing or older than its sources"
node_dir="$root/bindings-node"
if [ ! -x "$node_dir/node_modules/.bin/napi" ]; then
  (cd "$node_dir" && npm install --no-save --loglevel=error)
fi
addon="$(ls "$node_dir"/brokerlink.*.node 2>/dev/null | head -n1 || true)"
if [ -z "$addon" ] || [ -n "$(find "$root/core/src" "$root/sandbox/src" "$node_dir/src" \
    -newer "$addon" -type f -print -quit)" ]; then
  (cd "$node_dir" && npx --no-install napi build --platform --js binding.js --dts index.d.ts)
else
  echo "up to date: $(basename "$addon")"
fi
(cd "$node_dir" && npm run --silent sync-portal)

step "tsc --strict: brokerlink/portal's types (open-portal.d.ts)"
"$node_dir/node_modules/.bin/tsc" -p "$here/types/tsconfig.json"

step "node --test tests/browser (one file at a time)"
cd "$root"
timeout 900 node --test --test-concurrency=1 --test-timeout=180000 \
  tests/browser/parser.test.mjs tests/browser/page.test.mjs \
  tests/browser/snaptrade.test.mjs tests/browser/finatic.test.mjs

if $screenshots; then
  step "screenshots into docs/"
  timeout 300 node tests/browser/screenshots.mjs "$root/docs"
fi
