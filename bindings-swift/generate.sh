#!/usr/bin/env bash
# Builds brokerlink-ffi (debug) and the workspace's uniffi-bindgen in one cargo invocation, then
# regenerates the Kotlin and Swift sources from the built library into their committed places:
#
#   kotlin/src/main/kotlin/brokerlink/brokerlink.kt           the Kotlin/JVM module's sources
#   swift/Sources/Brokerlink/Brokerlink.swift                   the Swift package's Swift target
#   swift/Sources/BrokerlinkFFI/include/BrokerlinkFFI.h         its C module (header + modulemap)
#   swift/Sources/BrokerlinkFFI/include/module.modulemap
#
# The output does not depend on the build profile or the machine (no formatter is run, so an
# installed ktlint or swift-format cannot change it): CI compares it with git. Files whose
# content did not change are left untouched, so Maven's incremental build stays incremental.
# Prints the path of the built library on its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

# Both crates in one invocation: cargo unifies uniffi's features across them, so building them
# separately would rebuild uniffi (and the library) each time the other one is built.
(cd "$root" && cargo build --quiet -p brokerlink-ffi -p uniffi-bindgen)

case "$(uname -s)" in
  Darwin) lib="$target_dir/debug/libbrokerlink_ffi.dylib" ;;
  *) lib="$target_dir/debug/libbrokerlink_ffi.so" ;;
esac

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$target_dir/debug/uniffi-bindgen" generate "$lib" \
  --language kotlin --language swift --no-format --out-dir "$out" >/dev/null

# Copies $1 to $2 unless $2 already has that content.
place() {
  mkdir -p "$(dirname "$2")"
  cmp -s "$1" "$2" || cp "$1" "$2"
}
place "$out/brokerlink/brokerlink.kt" "$here/kotlin/src/main/kotlin/brokerlink/brokerlink.kt"
place "$out/Brokerlink.swift" "$here/swift/Sources/Brokerlink/Brokerlink.swift"
place "$out/BrokerlinkFFI.h" "$here/swift/Sources/BrokerlinkFFI/include/BrokerlinkFFI.h"
place "$out/BrokerlinkFFI.modulemap" "$here/swift/Sources/BrokerlinkFFI/include/module.modulemap"

echo "$lib"
