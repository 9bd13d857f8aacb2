#!/usr/bin/env bash
# Builds brokerlink-<version>.aar for Android: the Kotlin classes (the same generated Kotlin as
# the JVM jar) with libbrokerlink_ffi for arm64-v8a and x86_64 under jni/, which the Android
# Gradle plugin packs into the app as it would a module's jniLibs. Needs the Android NDK
# (ANDROID_NDK_HOME; GitHub's Ubuntu runners have one at $ANDROID_NDK_LATEST_HOME), Maven and a
# JDK 17. Not run on the project's own machines: no registry they reach serves the NDK
# (.github/workflows/release.yml runs it; docs/packaging.md has the recipe).
#
#   ANDROID_NDK_HOME=/path/to/ndk bindings-swift/android/build-aar.sh [OUT_DIR]
#
# Apps depend on JNA's Android build next to it: net.java.dev.jna:jna:<version>@aar.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/target/dist/android}"
mkdir -p "$out" && out="$(cd "$out" && pwd)" # zip runs from another folder
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to an Android NDK (r28 or newer)}"
api=24 # Android 7.0: the oldest release with the NDK's current minimum and JNA 5's
version="$("$root/scripts/version")"

# Rust target -> the ABI folder Android uses and the NDK's clang prefix.
abis=("aarch64-linux-android:arm64-v8a" "x86_64-linux-android:x86_64")
toolchain="$ANDROID_NDK_HOME/toolchains/llvm/prebuilt/$(uname -s | tr 'A-Z' 'a-z')-x86_64/bin"
[ -d "$toolchain" ] || { echo "no NDK toolchain at $toolchain" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/aar/jni"
for pair in "${abis[@]}"; do
  target="${pair%%:*}" abi="${pair##*:}"
  rustup target add "$target"
  upper="$(tr 'a-z-' 'A-Z_' <<<"$target")"
  # 16 KB pages: Google Play requires it of apps for Android 15+, and NDKs before r28 link 4 KB.
  env "CARGO_TARGET_${upper}_LINKER=$toolchain/$target$api-clang" \
    "CARGO_TARGET_${upper}_RUSTFLAGS=-C link-arg=-Wl,-z,max-page-size=16384" \
    "CC_${target//-/_}=$toolchain/$target$api-clang" "AR_${target//-/_}=$toolchain/llvm-ar" \
    "CARGO_PROFILE_RELEASE_STRIP=symbols" \
    cargo build --release --locked -p brokerlink-ffi --target "$target" --manifest-path "$root/Cargo.toml"
  mkdir -p "$work/aar/jni/$abi"
  cp "$root/target/$target/release/libbrokerlink_ffi.so" "$work/aar/jni/$abi/"
  readelf -lW "$work/aar/jni/$abi/libbrokerlink_ffi.so" | awk '$1 == "LOAD" && $NF != "0x4000" { bad = 1 } END { exit bad }' \
    || { echo "$abi: LOAD segments are not 16 KB aligned" >&2; exit 1; }
done

# The classes: the JVM module's jar without natives (Android loads them from jni/, not from
# JNA's classpath folders).
(cd "$root/bindings-swift/kotlin" && mvn -q -B -Dmaven.test.skip=true package)
unzip -q "$root/bindings-swift/kotlin/target/brokerlink-$version.jar" -d "$work/classes"
rm -rf "$work/classes/META-INF/maven" "$work"/classes/linux-* "$work"/classes/darwin-* "$work"/classes/win32-*
(cd "$work/classes" && jar --create --file "$work/aar/classes.jar" .)
cat > "$work/aar/AndroidManifest.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="dev.brokerlink">
  <uses-sdk android:minSdkVersion="$api" />
  <uses-permission android:name="android.permission.INTERNET" />
</manifest>
XML
: > "$work/aar/R.txt"
(cd "$work/aar" && zip -q -r "$out/brokerlink-$version.aar" .)
echo "built $out/brokerlink-$version.aar"
