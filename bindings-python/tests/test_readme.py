"""The README's examples run as written against the installed package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_there_are_six_examples() -> None:
    assert len(BLOCKS) == 6


@pytest.mark.parametrize("index", [4, 5], ids=["flask", "fastapi"])
def test_webhook_handler_examples_are_python(index: int) -> None:
    # Flask and FastAPI are not dependencies; the handlers must at least be valid Python.
    compile(BLOCKS[index], f"README example {index}", "exec")


@pytest.mark.parametrize("index", [0, 1], ids=["blocking", "asyncio"])
def test_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[index], f"README example {index}", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert ("Alpaca is active" in out) if index == 0 else ("50 users, 0 connections" in out)


def test_fixture_example_is_a_passing_suite(tmp_path: Path) -> None:
    conftest, tests = BLOCKS[2].split("# test_connect.py\n")
    (tmp_path / "conftest.py").write_text(conftest, encoding="utf-8")
    (tmp_path / "test_connect.py").write_text(tests, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout


def test_error_example_compiles() -> None:
    compile(BLOCKS[3], "README errors example", "exec")
