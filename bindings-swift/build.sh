#!/usr/bin/env bash
# Builds and tests the Swift/Kotlin bindings (bindings-swift/): builds the library once,
# regenerates the Kotlin and Swift sources from it and fails if they drifted from git, runs the
# crate's Rust unit tests, the Kotlin JUnit tests (against the in-process sandbox) and the Kotlin
# conformance runner, then checks its transcripts against the golden ones. Swift is generated,
# drift-checked and syntax-checked (tree-sitter) only: no Swift toolchain exists on these
# machines (see README.md).
#
# The library is a debug build: the rest of the workspace (tests, the conformance checker) is
# built in debug already, so only this crate compiles (a release build would recompile the whole
# dependency tree, minutes on two cores), and debug builds carry the forced-panic test hook.
#
# Idempotent; a re-run without changes takes about a minute, most of it the tests themselves.
# Needs a JDK (17+), Maven (downloads stay in ~/.m2) and python3 with venv (the Swift syntax
# checker's two packages are installed into target/swift-syntax-venv on first use).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
export RUST_BACKTRACE=0 # the panic tests print their panics; a backtrace there only costs time
step() { printf '\n==> swift/kotlin: %s\n' "$*"; }
# Maven 3.8 prints colour resets even in batch mode; keep the log plain.
mvn_quiet() { (cd "$here/kotlin" && mvn -q -B -Dstyle.color=never "$@") 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; }

step "library (cargo build, debug, once) and generated Kotlin / Swift"
started=$(date +%s)
lib="$("$here/generate.sh" | tail -n 1)"
echo "built $(basename "$lib") ($(du -k "$lib" | cut -f1) KiB, debug) and generated in $(($(date +%s) - started))s"

generated=(
  bindings-swift/kotlin/src/main/kotlin/brokerlink/brokerlink.kt
  bindings-swift/swift/Sources/Brokerlink/Brokerlink.swift
  bindings-swift/swift/Sources/BrokerlinkFFI/include/BrokerlinkFFI.h
  bindings-swift/swift/Sources/BrokerlinkFFI/include/module.modulemap
)
if git ls-files --error-unmatch "${generated[@]}" >/dev/null 2>&1; then
  git diff --exit-code -- "${generated[@]}" \
    || { echo "generated Kotlin/Swift drifted from src/: commit the regenerated files" >&2; exit 1; }
  echo "generated files match git"
else
  echo "note: the generated files are not committed yet, so drift is not checked"
fi

step "Rust unit tests (brokerlink-ffi)"
# The same package set as generate.sh, so cargo reuses its build.
cargo test --quiet -p brokerlink-ffi -p uniffi-bindgen --lib

step "Kotlin: JUnit tests and the conformance runner (mvn test)"
command -v mvn >/dev/null && command -v java >/dev/null \
  || { echo "Maven and a JDK are required (apt-get install maven default-jdk-headless)" >&2; exit 1; }
reports="$here/kotlin/target/surefire-reports"
rm -rf "$reports" "$root/target/conformance/kotlin"
started=$(date +%s)
status=0
mvn_quiet test -Dbrokerlink.lib.dir="$(dirname "$lib")" || status=$?
# Surefire's own summary is silenced by -q: count its reports instead.
if compgen -G "$reports/TEST-*.xml" >/dev/null; then
  awk -F'"' '/<testsuite /{
      for (i = 1; i < NF; i++) {
        if ($i ~ / tests=$/) t += $(i + 1); if ($i ~ / failures=$/) f += $(i + 1)
        if ($i ~ / errors=$/) e += $(i + 1); if ($i ~ / skipped=$/) s += $(i + 1)
      }
    } END { printf "kotlin: %d passed, %d failed, %d skipped\n", t - f - e - s, f + e, s }' "$reports"/TEST-*.xml
fi
echo "mvn test took $(($(date +%s) - started))s"
[ "$status" -eq 0 ] || { echo "Kotlin tests failed: see $reports" >&2; exit "$status"; }

step "conformance: Kotlin runner transcripts"
cargo build --quiet -p brokerlink-conformance
./target/debug/conformance check target/conformance/kotlin

step "Swift: syntax check of the package's Swift (tree-sitter; no Swift toolchain here, so not compiled)"
venv="$root/target/swift-syntax-venv"
tools='tree-sitter==0.26.1 tree-sitter-swift==0.7.4'
stamp="$venv/.brokerlink-tools-$(printf '%s' "$tools" | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet $tools
  touch "$stamp"
fi
"$venv/bin/python" "$here/swift/check_syntax.py" "$here/swift/Package.swift" \
  "$here"/swift/Sources/Brokerlink/*.swift "$here"/swift/Tests/BrokerlinkTests/*.swift
