#!/usr/bin/env bash
# Builds the Python wheel once and runs everything Python against it: ruff, mypy (strict, on the
# stubs and a usage file), pytest, and the conformance runner plus its checker. On Linux the
# wheel is the portable kind users install (manylinux2014: glibc 2.17, linked through zig), and
# pytest and the conformance runner use it from a venv made afresh for each run, holding nothing
# but the wheel and pytest. It carries the forced-panic test hook (`test-hooks`); the published
# wheels (scripts/package) do not.
#
#   bindings-python/build.sh            # all of it
#   BROKERLINK_PY_PROFILE=dev ...       # a debug wheel instead of --release (faster to build)
#
# Installs its tools into target/python-venv on first use; re-runs reuse the venv and cargo's
# incremental build, so they cost little more than the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/target/python-venv
wheels=$root/target/wheels
profile=${BROKERLINK_PY_PROFILE:-release}

step() { printf '\n==> python: %s\n' "$*"; }

step "venv and tools ($venv)"
tools='maturin==1.16.0 ziglang==0.17.1 pytest>=8 mypy>=1.10 ruff>=0.6 typing_extensions'
stamp=$venv/.brokerlink-tools-$(printf '%s' "$tools" | cksum | cut -d' ' -f1)
if [ ! -f "$stamp" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet $tools
  touch "$stamp"
fi
py=$venv/bin/python
export VIRTUAL_ENV=$venv PATH=$venv/bin:$PATH
# Tool caches under target/, not in the source tree.
export RUFF_CACHE_DIR=$root/target/python-cache/ruff MYPY_CACHE_DIR=$root/target/python-cache/mypy

step "wheel ($profile, once)"
rm -f "$wheels"/brokerlink-*.whl
build_flags=(--out "$wheels" --features test-hooks --interpreter "$py")
if [ "$profile" = release ]; then build_flags+=(--release); else build_flags+=(--profile "$profile"); fi
host=$(rustc -vV | sed -n 's/^host: //p')
case $host in
  *-linux-gnu) build_flags+=(--zig --target "$host" --compatibility manylinux2014) ;;
esac
started=$(date +%s)
(cd bindings-python && maturin build --quiet "${build_flags[@]}")
wheel=$(ls "$wheels"/brokerlink-*.whl)
echo "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) in $(( $(date +%s) - started ))s"
"$py" -m pip install --quiet --force-reinstall --no-deps "$wheel"
# pytest and the conformance runner import the wheel from a fresh venv: nothing of the tools'.
test_venv=$root/target/python-test-venv
rm -rf "$test_venv"
python3 -m venv "$test_venv"
"$test_venv/bin/python" -m pip install --quiet "$wheel" "pytest>=8"
test_py=$test_venv/bin/python

step "ruff"
ruff check bindings-python tests/conformance tests/compat bench scripts/audit-wheel scripts/version
ruff format --check bindings-python tests/conformance tests/compat bench scripts/audit-wheel scripts/version

step "mypy --strict (stubs and tests/typing_check.py)"
(cd bindings-python && mypy python/brokerlink tests/typing_check.py)

step "mypy.stubtest: the stubs against the built module"
(cd bindings-python && "$py" -m mypy.stubtest brokerlink._native --allowlist stubtest-allowlist.txt)

step "pytest"
# bindings-python/ (on sys.path under `python -m`) holds no brokerlink/ package: the import
# below is the installed wheel, not the source tree.
(cd bindings-python && "$test_py" -m pytest -q -p no:cacheprovider tests)

step "conformance: Python runner transcripts"
"$test_py" tests/conformance/python/runner.py --out target/conformance/python
cargo build --quiet -p brokerlink-conformance
./target/debug/conformance check target/conformance/python
