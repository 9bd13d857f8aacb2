"""Runs every contender against one sandbox, in one run, and writes the table and the chart.

Started by bench/run (which builds the artefacts and installs the official SDKs first). Each
contender runs each mode in a fresh process of its own (so a bulk run's peak RSS is its own)
and prints one JSON line (bench/src/lib.rs describes it). Traffic goes to the loopback sandbox
only. Exits non-zero when a run fails or answers wrongly; a missed target is reported, not fatal.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
CONTENDERS = ROOT / "bench" / "contenders"

FULL = {
    "users": 1000,
    "calls": 2000,
    "warmup": 50,
    "concurrency": 32,
    "cold": 10,
    "loadgen_seconds": 10,
    "loadgen_connections": 64,
    "timeout": 900,
    "repeats": 11,
    "history": 10_000,
    "fetches": 5,
}
SMOKE = {
    "users": 20,
    "calls": 20,
    "warmup": 5,
    "concurrency": 8,
    "cold": 3,
    "loadgen_seconds": 1,
    "loadgen_connections": 8,
    "timeout": 180,
    "repeats": 1,
    "history": 300,
    "fetches": 1,
}

SNAPTRADE_MODES = ("latency", "bulk", "portal")
FINATIC_MODES = ("finatic-latency", "finatic-bulk")
# Account data: positions of every user's first account; every activity of one long account.
DATA_MODES = ("positions", "activities")


def contenders(bins: Path, py: str) -> list[dict]:
    """Who runs, with which command; `modes` are the modes each one runs."""
    python, node = [py, str(CONTENDERS / "python.py")], ["node", str(CONTENDERS / "node.mjs")]
    snaptrade = SNAPTRADE_MODES + DATA_MODES
    both = snaptrade + FINATIC_MODES
    return [
        {
            "key": "rust",
            "label": "brokerlink Rust",
            "kind": "brokerlink",
            "modes": both,
            "argv": [str(bins / "bench-client"), "--contender", "brokerlink"],
        },
        {
            "key": "py-sync",
            "label": "brokerlink Python sync (threads)",
            "kind": "brokerlink",
            "modes": snaptrade,
            "argv": [*python, "--contender", "brokerlink-sync"],
        },
        {
            "key": "py-async",
            "label": "brokerlink Python asyncio",
            "kind": "brokerlink",
            "modes": both,
            "argv": [*python, "--contender", "brokerlink-async"],
        },
        {
            "key": "node",
            "label": "brokerlink Node",
            "kind": "brokerlink",
            "modes": snaptrade,
            "argv": [*node, "--contender", "brokerlink-node"],
        },
        {
            "key": "st-py-sync",
            "label": "official snaptrade-python-sdk sync (threads)",
            "kind": "official",
            "modes": snaptrade,
            "argv": [*python, "--contender", "snaptrade-sync"],
        },
        {
            "key": "st-py-async",
            "label": "official snaptrade-python-sdk async (a*)",
            "kind": "official",
            "modes": snaptrade,
            "argv": [*python, "--contender", "snaptrade-async"],
        },
        {
            "key": "st-ts",
            "label": "official snaptrade-typescript-sdk",
            "kind": "official",
            "modes": snaptrade,
            "argv": [*node, "--contender", "snaptrade-ts"],
        },
        {
            "key": "fin-py",
            "label": "official finatic-server-python (async)",
            "kind": "official",
            "modes": FINATIC_MODES,
            "argv": [*python, "--contender", "finatic-async"],
        },
        {
            "key": "raw",
            "label": "raw reqwest (floor)",
            "kind": "floor",
            "modes": SNAPTRADE_MODES + FINATIC_MODES + ("activities",),
            "argv": [str(bins / "bench-client"), "--contender", "raw"],
        },
        {
            "key": "raw-handoff",
            "label": "raw reqwest, handed to a runtime thread (hand-off floor)",
            "kind": "floor",
            "modes": ("latency",),
            "argv": [str(bins / "bench-client"), "--contender", "raw", "--handoff"],
        },
    ]


def percentile(sorted_values: list[int], p: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))] / 1000.0


def run_json(argv: list[str], env: dict, timeout: float, cwd: Path = ROOT) -> dict:
    """Runs a command that prints one JSON line last; raises with its stderr on failure."""
    done = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine_busy_share(seconds: float = 1.0) -> float:
    """The share of all cores busy over `seconds` (from /proc/stat): other load on the machine."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    busy_before, total_before = sample()
    time.sleep(seconds)
    busy_after, total_after = sample()
    return (busy_after - busy_before) / max(1, total_after - total_before)


def wait_until_idle(limit_seconds: float, threshold: float = 0.15) -> float:
    """Waits (up to a limit) for other work to settle, e.g. the build that just finished."""
    deadline = time.monotonic() + limit_seconds
    while True:
        busy = machine_busy_share()
        if busy < threshold or time.monotonic() > deadline:
            return busy


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Sandbox:
    """One release sandbox, --rate-limit 0, its four announcement lines read from a log file."""

    def __init__(self, binary: Path, history: int) -> None:
        self.log = WORK / "sandbox.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(binary), "sandbox", "--port", "0", "--rate-limit", "0", "--history-activities", str(history)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            lines = self.log.read_text().splitlines()
            if len(lines) >= 4 and lines[3].startswith("api_key="):
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError(f"the sandbox did not start:\n{self.log.read_text()}")
        first, *rest = lines[:4]
        self.url = first.removeprefix("brokerlink sandbox listening on ").strip()
        creds = dict(line.split("=", 1) for line in rest)
        self.client_id, self.consumer_key, self.api_key = creds["client_id"], creds["consumer_key"], creds["api_key"]

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_sandbox/state", timeout=10) as answer:
            return json.load(answer)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def median_run(runs: list[dict], mode: str) -> dict:
    """The median of a contender's runs of one mode: by p50 for latency, by req/s otherwise."""
    failed = [run for run in runs if "failed" in run]
    if failed:
        return failed[0]
    key = "p50_ms" if mode.endswith("latency") else "rps"
    runs = sorted(runs, key=lambda run: run[key])
    median = dict(runs[len(runs) // 2])
    median["repeats"] = [round(run[key], 3) for run in runs]
    return median


def measure_all(chosen: list[dict], sizes: dict, users_file: Path, env: dict, sandbox: Sandbox) -> dict:
    """Every contender's every mode, `repeats` times, round-robin: one run each per round, so
    that a machine whose speed drifts over the minutes of a run (shared hosts do) slows every
    contender alike instead of whichever ran during the slow minute. Each run is a fresh
    process and a fraction of a second for the fast contenders, so a single one is mostly noise."""
    runs: dict[tuple[str, str], list[dict]] = {}
    for round_number in range(sizes["repeats"]):
        print(f"==> bench: round {round_number + 1} of {sizes['repeats']}", flush=True)
        for contender in chosen:
            for mode in contender["modes"]:
                run = measure_once(contender, mode, sizes, users_file, env, sandbox)
                runs.setdefault((contender["key"], mode), []).append(run)
    results: dict = {}
    for contender in chosen:
        for mode in contender["modes"]:
            result = median_run(runs[(contender["key"], mode)], mode)
            results.setdefault(contender["key"], {})[mode] = result
            summary = result.get("failed") or (
                f"{result['calls']} calls in {result['seconds']:.2f}s, {result['rps']:.0f}/s, "
                f"p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} ms, "
                f"peak RSS {result['peak_rss_kib'] / 1024:.0f} MiB"
            )
            print(f"    {contender['label']:<48} {mode:<16} {summary}", flush=True)
    return results


def measure_once(contender: dict, mode: str, sizes: dict, users_file: Path, env: dict, sandbox: Sandbox) -> dict:
    argv = [
        *contender["argv"],
        "--users",
        str(users_file),
        "--mode",
        mode,
        "--calls",
        str(sizes["fetches"] if mode == "activities" else sizes["calls"]),
        "--concurrency",
        str(sizes["concurrency"]),
        "--warmup",
        str(sizes["warmup"]),
    ]
    cpu_before = cpu_ms(sandbox.proc.pid)
    try:
        raw = run_json(argv, env, sizes["timeout"])
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as error:
        return {"failed": str(error)}
    latencies = sorted(raw.pop("latencies_us"))
    calls = len(latencies)
    if mode == "activities":
        expected = sizes["fetches"]
    else:
        expected = sizes["calls"] if mode.endswith("latency") else sizes["users"]
    result = {
        **raw,
        "calls": calls,
        "rps": calls / raw["seconds"] if raw["seconds"] else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "mean_ms": statistics.fmean(latencies) / 1000 if latencies else 0.0,
        "client_cpu_us_per_call": raw.get("cpu_ms", 0.0) * 1000 / max(1, calls),
        "sandbox_cpu_us_per_call": (cpu_ms(sandbox.proc.pid) - cpu_before) * 1000 / max(1, calls),
    }
    # Every SnapTrade user has exactly one connection; Finatic users have at least one account.
    wrong = raw["errors"] or calls != expected or raw["items"] < expected
    if mode in SNAPTRADE_MODES and raw["items"] != expected:
        wrong = True
    # Every read of the long account returns every one of its activities.
    if mode == "activities" and raw["items"] != expected * sizes["history"]:
        wrong = True
    if wrong:
        result["failed"] = (
            f"{raw['errors']} errors, {calls}/{expected} calls, {raw['items']} items; "
            f"first error: {raw.get('first_error')}"
        )
    return result


def cold_start(py: str, sizes: dict, env: dict, node_pkg: Path) -> dict:
    """Median time of the import / require inside each of N fresh processes (one discarded first)."""
    probes = {
        "python: import brokerlink": [py, "-c", "import brokerlink"],
        "python: import snaptrade_client": [py, "-c", "import snaptrade_client"],
        "python: import finatic_server_python": [py, "-c", "import finatic_server_python"],
        "node: require('brokerlink')": ["node", "-e", f"require({json.dumps(str(node_pkg))})"],
        "node: require('snaptrade-typescript-sdk')": ["node", "-e", "require('snaptrade-typescript-sdk')"],
    }
    results = {}
    for name, (program, flag, statement) in probes.items():
        if program == "node":
            timed = (
                "const t = process.hrtime.bigint(); "
                + statement
                + "; console.log(Number(process.hrtime.bigint() - t) / 1e6)"
            )
        else:
            timed = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
        inside, whole = [], []
        for attempt in range(sizes["cold"] + 1):
            started = time.perf_counter()
            done = subprocess.run(
                [program, flag, timed],
                env=env,
                cwd=WORK / "node",
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
                stdin=subprocess.DEVNULL,
            )
            if attempt:  # the first run writes caches (.pyc); it is not a cold start of an install
                whole.append((time.perf_counter() - started) * 1000)
                inside.append(float(done.stdout.strip().splitlines()[-1]))
        results[name] = {"import_ms": statistics.median(inside), "process_ms": statistics.median(whole)}
    return results


def load_generator(bins: Path, sandbox: Sandbox, sizes: dict, env: dict) -> dict:
    argv = [
        str(bins / "loadgen"),
        "--url",
        sandbox.url,
        "--client-id",
        sandbox.client_id,
        "--consumer-key",
        sandbox.consumer_key,
        "--connections",
        str(sizes["loadgen_connections"]),
        "--seconds",
        str(sizes["loadgen_seconds"]),
        "--watch-pid",
        str(sandbox.proc.pid),
        "--json",
    ]
    cpu_before = cpu_ms(sandbox.proc.pid)
    try:
        result = run_json(argv, env, sizes["loadgen_seconds"] + 60)
    except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as error:
        return {"failed": str(error)}
    result["sandbox_cpu_share"] = (cpu_ms(sandbox.proc.pid) - cpu_before) / 1000 / result["seconds"]
    if result["errors"]:
        result["failed"] = f"{result['errors']} errors"
    return result


def command_output(argv: list[str], cwd: Path = ROOT) -> str:
    try:
        return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


def cpuidle() -> str:
    """The kernel's idle driver: how a sleeping CPU is woken (and so what a wake-up costs)."""
    try:
        return "; cpuidle " + Path("/sys/devices/system/cpu/cpuidle/current_driver").read_text().strip()
    except OSError:
        return ""


def machine(py: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = command_output(
        [
            py,
            "-c",
            (
                "import importlib.metadata as m; print(' '.join(f'{p}=={m.version(p)}' for p in "
                "['brokerlink', 'snaptrade-python-sdk', 'finatic-server-python']))"
            ),
        ]
    )
    ts = json.loads((WORK / "node/node_modules/snaptrade-typescript-sdk/package.json").read_text())["version"]
    dirty = " (with uncommitted changes)" if command_output(["git", "status", "--porcelain"]) else ""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu}, {os.cpu_count()} cores, {int(mem) // 1024} MiB RAM",
        "os": f"{platform.system()} {platform.release()}{cpuidle()}",
        "rustc": command_output(["rustc", "--version"]),
        "python": command_output([py, "--version"]),
        "node": command_output(["node", "--version"]),
        "packages": f"{versions} snaptrade-typescript-sdk@{ts}",
        "commit": command_output(["git", "rev-parse", "--short", "HEAD"]) + dirty,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no chart (CI)")
    parser.add_argument("--bins", required=True, help="folder of the brokerlink, bench-client, loadgen binaries")
    parser.add_argument("--node-pkg", required=True, help="folder of the brokerlink npm package (release addon)")
    parser.add_argument("--out", required=True, help="folder for results.md (and results.png)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated contender keys (e.g. py-sync,raw): a focused run that prints its "
        "figures and skips cold start, the sandbox load run and the result files",
    )
    parser.add_argument(
        "--modes",
        default="",
        help="comma-separated modes (e.g. activities,positions): with --only, measure these modes only",
    )
    args = parser.parse_args()
    only = {key for key in args.only.split(",") if key}
    modes = {mode for mode in args.modes.split(",") if mode}
    unknown = only - {c["key"] for c in contenders(Path(args.bins), sys.executable)}
    if unknown:
        parser.error(f"unknown contender keys: {', '.join(sorted(unknown))}")
    sizes, bins, py, out = SMOKE if args.smoke else FULL, Path(args.bins), sys.executable, Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "BENCH_NODE_DIR": str(WORK / "node"),
        "BENCH_BROKERLINK_NODE": args.node_pkg,
    }
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(proxy, None)

    report: dict = {
        "smoke": args.smoke,
        "sizes": sizes,
        "machine": machine(py),
        "busy_before": wait_until_idle(0 if args.smoke else 120),
        "runs": {},
    }
    print(f"==> bench: other load before: {report['busy_before']:.0%} of the cores", flush=True)
    sandbox = Sandbox(bins / "brokerlink", sizes["history"])
    try:
        users_file = WORK / "users.json"
        started = time.perf_counter()
        subprocess.run(
            [
                str(bins / "bench-prepare"),
                "--url",
                sandbox.url,
                "--client-id",
                sandbox.client_id,
                "--consumer-key",
                sandbox.consumer_key,
                "--api-key",
                sandbox.api_key,
                "--snaptrade-users",
                str(sizes["users"]),
                "--finatic-users",
                str(sizes["users"]),
                "--history-activities",
                str(sizes["history"]),
                "--out",
                str(users_file),
            ],
            env=env,
            check=True,
            timeout=sizes["timeout"],
        )
        print(f"==> bench: users prepared in {time.perf_counter() - started:.1f}s", flush=True)
        chosen = [c for c in contenders(bins, py) if not only or c["key"] in only]
        if modes:
            chosen = [{**c, "modes": tuple(m for m in c["modes"] if m in modes)} for c in chosen]
        report["runs"] = measure_all(chosen, sizes, users_file, env, sandbox)
        if only or modes:
            return int(any("failed" in r for runs in report["runs"].values() for r in runs.values()))
        report["cold_start"] = cold_start(py, sizes, env, Path(args.node_pkg))
        for name, cold in report["cold_start"].items():
            print(f"    {name:<48} {cold['import_ms']:.1f} ms (process {cold['process_ms']:.0f} ms)")
        report["loadgen"] = load_generator(bins, sandbox, sizes, env)
        print(f"    sandbox loadgen: {report['loadgen']}", flush=True)
        report["sandbox_state"] = {k: v for k, v in sandbox.state().items() if k != "faults"}
    finally:
        sandbox.stop()
    report["busy_after"] = machine_busy_share()
    print(f"==> bench: other load after: {report['busy_after']:.0%} of the cores", flush=True)

    from report import write_chart, write_markdown  # bench/report.py, beside this file

    (WORK / "results.json").write_text(json.dumps(report, indent=1))
    labels = {c["key"]: c for c in contenders(bins, py)}
    ratios = write_markdown(report, labels, out / "results.md")
    if not args.smoke:
        write_chart(report, labels, out / "results.png")
    print(f"==> bench: wrote {out / 'results.md'}" + ("" if args.smoke else f" and {out / 'results.png'}"))
    for line in ratios:
        print(f"    {line}")
    failed = [
        f"{key} {mode}: {r['failed']}"
        for key, modes in report["runs"].items()
        for mode, r in modes.items()
        if "failed" in r
    ]
    failed += [f"loadgen: {report['loadgen']['failed']}"] if "failed" in report["loadgen"] else []
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
