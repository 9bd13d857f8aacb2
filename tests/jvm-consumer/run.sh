#!/usr/bin/env bash
# Builds the consumer project against the locally installed brokerlink jar (`mvn install`, as
# scripts/package does) and runs it with a plain `java` command: no system property, no
# LD_LIBRARY_PATH, and run from a temporary folder, so only the jar can supply the library.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
mvn -q -B -Dstyle.color=never package \
  org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath -Dmdep.outputFile=target/classpath.txt 2>&1 \
  | sed 's/\x1b\[[0-9;]*m//g'
classpath="$here/target/classes:$(cat target/classpath.txt)"
grep -q 'brokerlink-[0-9.]*\.jar' target/classpath.txt || { echo "FAIL: brokerlink is not on the classpath" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
output="$(cd "$work" && env -u LD_LIBRARY_PATH -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS \
  timeout 120 java -cp "$classpath" ConsumerKt)"
printf '%s\n' "$output"
# A library JNA extracted from a jar is a temporary file of its own (jna<digits>.tmp in its
# cache folder), never a libbrokerlink_ffi.so found on some path.
grep -Eq '^registered jvm-consumer .*; JNA loaded jna[0-9]+\.(tmp|so) from /' <<<"$output" \
  || { echo "FAIL: the library did not come from the jar" >&2; exit 1; }
