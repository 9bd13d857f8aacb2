#!/usr/bin/env bash
# Builds and tests the npm package `brokerlink` (bindings-node/): installs the dev
# dependencies, builds the addon once (debug: a cold build takes about half the time of a
# release one and keeps the panic test hooks; the published build is `npm run build:release`),
# checks that the committed index.d.ts / binding.js did not drift, type-checks the examples,
# runs node --test, the conformance runner and checker, and the npm-pack install test.
# Idempotent; a re-run without changes takes seconds plus the tests.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$here"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export RUST_BACKTRACE=0 # the panic tests print their panics; a backtrace there only costs time
step() { printf '\n==> node: %s\n' "$*"; }

step "dev dependencies (npm install from package-lock.json, when it changed)"
# Not `npm ci`: it refuses the unpublished platform packages listed in optionalDependencies
# (brokerlink-linux-x64-gnu, ...), which `npm install` skips. The dev dependencies are pinned
# exactly and locked.
lock_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ "$(cat node_modules/.brokerlink-lock 2>/dev/null)" != "$lock_hash" ]; then
  npm install --no-save --loglevel=error
  echo "$lock_hash" > node_modules/.brokerlink-lock
fi

step "addon (napi build, debug) and generated index.d.ts / binding.js"
started=$(date +%s)
npx --no-install napi build --platform --js binding.js --dts index.d.ts
echo "built in $(( $(date +%s) - started ))s"
if git -C "$root" ls-files --error-unmatch bindings-node/index.d.ts bindings-node/binding.js >/dev/null 2>&1; then
  git -C "$root" diff --exit-code -- bindings-node/index.d.ts bindings-node/binding.js \
    || { echo "index.d.ts / binding.js drifted from src/: commit the regenerated files" >&2; exit 1; }
else
  echo "note: index.d.ts / binding.js are not committed yet, so drift is not checked"
fi

step "brokerlink/portal: open-portal.js from the sandbox crate, where it lives (npm run sync-portal)"
npm run --silent sync-portal

step "tsc --strict over examples/"
npx --no-install tsc -p examples/tsconfig.json

step "node --test"
node --test test/

step "conformance: Node runner transcripts"
(cd "$root" && cargo build --quiet -p brokerlink-conformance)
node "$root/tests/conformance/node/runner.mjs" --out "$root/target/conformance/node"
"$root/target/debug/conformance" check "$root/target/conformance/node"

step "npm pack, install into a fresh folder, run the README example"
./pack-test.sh "$root/target/node-pack"

step "size and require time"
node measure.mjs
