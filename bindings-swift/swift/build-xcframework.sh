#!/usr/bin/env bash
# macOS with Xcode only (not run on the project's Linux machines): builds
# BrokerlinkFFI.xcframework beside Package.swift from release static libraries for iOS devices,
# the iOS simulator (arm64 + x86_64) and macOS (arm64 + x86_64), with the generated header and
# module map. Package.swift then uses it instead of a locally built library.
#
#   ./build-xcframework.sh                              # for apps
#   BROKERLINK_FEATURES=test-hooks ./build-xcframework.sh   # release, with the forced-panic hook
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"
features=()
[ -n "${BROKERLINK_FEATURES:-}" ] && features=(--features "$BROKERLINK_FEATURES")
for target in "${targets[@]}"; do
  # The crate is a cdylib for JNA; `--crate-type staticlib` builds the archive Xcode links.
  (cd "$root" && cargo rustc -p brokerlink-ffi --lib --release --target "$target" --crate-type staticlib ${features[@]+"${features[@]}"})
done
lib() { echo "$root/target/$1/release/libbrokerlink_ffi.a"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ios-simulator" "$work/macos" "$work/headers"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/ios-simulator/libbrokerlink_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/macos/libbrokerlink_ffi.a"
cp "$here/Sources/BrokerlinkFFI/include/BrokerlinkFFI.h" "$here/Sources/BrokerlinkFFI/include/module.modulemap" "$work/headers/"

rm -rf "$here/BrokerlinkFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/ios-simulator/libbrokerlink_ffi.a" -headers "$work/headers" \
  -library "$work/macos/libbrokerlink_ffi.a" -headers "$work/headers" \
  -output "$here/BrokerlinkFFI.xcframework"
echo "built $here/BrokerlinkFFI.xcframework"
