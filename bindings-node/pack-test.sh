#!/usr/bin/env bash
# The "fresh install" test: packs the npm package and its linux-x64-gnu platform package as
# they would be published, installs both tarballs into an empty folder, then type-checks
# (tsc --strict) and runs the README's TypeScript example there against the Sandbox, and
# checks that `require` and `import` share one BrokerlinkError. Needs a built addon
# (brokerlink.linux-x64-gnu.node) and the dev dependencies (for tsc).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$here/../target/node-pack}"
addon="$here/brokerlink.linux-x64-gnu.node"
[ -f "$addon" ] || { echo "no $addon: build the addon first (npm run build)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/platform" "$work/app"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

echo "packing"
(cd "$here" && npm pack --silent --pack-destination "$work" >/dev/null)
cp "$here/npm/linux-x64-gnu/package.json" "$here/npm/linux-x64-gnu/README.md" "$work/platform/"
# A debug build carries ~100 MiB of debug info that a published package would not.
strip --strip-debug -o "$work/platform/$(basename "$addon")" "$addon" 2>/dev/null || cp "$addon" "$work/platform/"
(cd "$work/platform" && npm pack --silent --pack-destination "$work" >/dev/null)
main_tgz="$(ls "$work"/brokerlink-0.*.tgz)"
platform_tgz="$(ls "$work"/brokerlink-linux-x64-gnu-*.tgz)"
tar -tzf "$main_tgz" | sort | tr '\n' ' '; echo
tar -tzf "$platform_tgz" | sort | tr '\n' ' '; echo

echo "installing into a fresh folder"
cd "$work/app"
printf '{ "name": "pack-test-app", "private": true, "type": "module" }\n' > package.json
npm install --silent --no-save "$platform_tgz" "$main_tgz"

# The README's first TypeScript block is the example.
awk '/^```ts$/ { if (!done) { on = 1; next } } /^```$/ { if (on) { on = 0; done = 1 } } on' \
  "$here/README.md" > example.mts
[ -s example.mts ] || { echo "no TypeScript example in README.md" >&2; exit 1; }
"$here/node_modules/.bin/tsc" --strict --target es2022 --module nodenext --moduleResolution nodenext \
  --types node --typeRoots "$here/node_modules/@types" --outDir . example.mts

echo "running the README example"
output="$(RUST_BACKTRACE=0 timeout 60 node example.mjs)"
printf '%s\n' "$output"
for expected in "portal: success" "connected abc" "Alpaca is active" "Alpaca Individual 15363.23 USD" \
  "already registered"; do
  grep -qF "$expected" <<<"$output" || { echo "FAIL: README example output lacks '$expected'" >&2; exit 1; }
done

cat > both.cjs <<'JS'
const cjs = require('brokerlink')
import('brokerlink').then(async (esm) => {
  if (esm.BrokerlinkError !== cjs.BrokerlinkError) throw new Error('two BrokerlinkError classes')
  const error = await cjs.Client.snaptrade({ clientId: 'c', consumerKey: 'k' }).registerUser('').catch((e) => e)
  if (!(error instanceof esm.BrokerlinkError) || error.code !== 'invalid_input') throw error
  console.log('require and import share BrokerlinkError')
})
JS
node both.cjs
echo "pack test passed"
