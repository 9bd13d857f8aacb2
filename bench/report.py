"""Turns bench.py's measurements into bench/results.md (tables, ratios, targets) and a PNG chart."""

from __future__ import annotations

from pathlib import Path

NOTES = """\
## How it was measured

- One release sandbox (`brokerlink sandbox --port 0 --rate-limit 0`) on loopback serves every
  run. `bench-prepare` registers the users first (SnapTrade: register → portal link → headless
  portal login, one connection each; Finatic: session → portal link → login → session user) and
  writes them to one JSON file that every contender reads.
- Each figure is the median of {repeats} runs (by p50 for latency, by req/s otherwise), each run a
  fresh process, the runs taken round-robin (every contender once per round) so that the host's
  drift over the minutes of the run slows every contender alike. The peak RSS is the bulk run's
  process's `VmHWM` at its end (interpreter, libraries and the run itself).
- **latency**: {calls} sequential "list connections" calls (`GET /authorizations`) for one user
  after {warmup} untimed warm-up calls. **bulk**: "list connections" for {users} users, {concurrency}
  in flight, after one untimed call; wall time from the first call to the last answer.
  **portal**: a portal link (`POST /snapTrade/login`) for each of the {users} users, {concurrency}
  in flight.
- **account data**: the sandbox runs with `--history-activities {history}`; `bench-prepare`
  connects one more SnapTrade user as `user_history` (one account, {history} activities).
  **activities**: {fetches} sequential reads of every activity of that account after one untimed
  read, each read all pages (1,000 a page) decoded into each contender's own objects —
  brokerlink's `activities()` (which fetches the pages after the first four at a time), the
  official SDKs' `get_account_activities` / `getAccountActivities` in an offset loop until the
  total, as their users write it. **positions**: `positions` / `get_all_account_positions` of
  each user's first account, {concurrency} in flight. The peak RSS is the run's process's. The
  floor reads the same pages one after another with reqwest, checking each as JSON and counting
  its rows without building them: a full read can be no faster than the sandbox serving the
  pages, so "÷ floor" shows what is left to gain in each client, and bounds any ratio between
  two clients.
- **floor**: bench/src/client.rs `--contender raw`: reqwest (pooled, keep-alive), the same query
  and the same canonical-JSON HMAC per request, the body read and parsed with serde_json; no
  typing, validation, retries or error mapping. "vs floor" divides a contender's latency p50 by
  the floor's (per-call overhead) — 1.00 is the floor itself. The Rust latency runs (floor and
  brokerlink) use a current-thread tokio runtime, the fastest way to make sequential calls (no
  wake-up of another thread per call); their bulk runs use a multi-thread one. The **hand-off
  floor** (`--contender raw --handoff`, latency only) makes the same calls from a plain thread,
  each handed to a multi-thread runtime and waited for without spinning: what any binding whose
  event loop is not the runtime (asyncio, Node) pays at least, one thread hand-off and back per
  call.
- **wake-ups**: a sequential call is mostly waiting: the client sleeps until the sandbox
  answers, and every sleeping thread that is woken costs the waker and the wakee a few µs of
  kernel time, much more on a VM whose idle vCPU must be woken by the hypervisor (the machine
  line names the idle driver). On the VM of this table the same floor binary measured ~130 µs
  p50 with the other vCPU idle and ~42 µs with a busy loop keeping it awake, and a run can
  drift by that much over minutes: compare the ratios of one run, not absolute figures across
  runs. Contenders that hand each call to another thread (asyncio, Node) pay two more wake-ups
  per call than the floor.
- **CPU µs/call**: the contender process's CPU time (user + system, all threads) during the bulk
  run, and the sandbox's over the same run, divided by the calls. On a 2-core machine the two
  together bound the throughput (2,000,000 µs of CPU per second), and they are far less
  sensitive to other load on the machine than the wall-clock figures.
- **Python sync** runs on {concurrency} threads sharing one client; **asyncio** runs {concurrency} tasks on one
  client. The official snaptrade-python-sdk sync client is one `SnapTrade` shared by {concurrency} threads
  (urllib3, its default pool of 5 × CPU connections); its async `a*` calls open an aiohttp
  session per request, as the SDK does. Node: {concurrency} async workers on one client.
- **Finatic** has no connection list in finatic-server-python; the closest call both have is
  "list accounts for a saved user". brokerlink: `accounts(UserCredentials::id_only(user_id))`,
  which mints a one-time token, starts a session for the user (cached per user) and reads
  `GET /api/beta/brokers/data/accounts`. finatic-server-python: `v1.start_session(user_id=…)`
  (token + start) then `v1.list_accounts()` (`GET /api/v1/accounts`). **finatic-latency** reuses
  one session (one request per call for both); **finatic-bulk** is three requests per user for
  both (a client keeps one session at a time, so the official side uses one `FinaticServer` per
  call in flight). The floor makes brokerlink's three requests by hand.
- **cold start**: the time of the `import` / `require` statement inside a fresh process, median
  of {cold} processes (one discarded run first, which writes `.pyc` caches); "process" is the whole
  `python -c` / `node -e` run.
- **sandbox**: bench/src/loadgen.rs, signed `GET /authorizations` for one user from {lg_conn}
  connections for {lg_sec} s. The load generator runs on the same cores as the sandbox.
"""


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


class View:
    def __init__(self, report: dict, labels: dict) -> None:
        self.report, self.labels = report, labels

    def get(self, key: str, mode: str, field: str) -> float | None:
        run = self.report["runs"].get(key, {}).get(mode)
        return None if not run or "failed" in run else run.get(field)

    def rss_mib(self, key: str, mode: str) -> float | None:
        kib = self.get(key, mode, "peak_rss_kib")
        return kib / 1024 if kib else None


def targets(v: View) -> list[tuple[str, float | None, str, bool | None]]:
    """(what, value, target, met) for each target of the issue, plus the informative ratios."""
    rps = lambda k, m="bulk": v.get(k, m, "rps")  # noqa: E731
    p50 = lambda k, m="latency": v.get(k, m, "p50_ms")  # noqa: E731
    cold = v.report.get("cold_start", {})
    imp = lambda name: cold.get(name, {}).get("import_ms")  # noqa: E731
    rows: list[tuple[str, float | None, str, bool | None]] = []

    def add(what: str, value: float | None, target: float | None, higher: bool = True) -> None:
        met = None if value is None or target is None else (value >= target if higher else value <= target)
        rows.append((what, value, "—" if target is None else f"{'≥' if higher else '≤'} {target:g}", met))

    add("Python bulk: brokerlink sync ÷ official sync (req/s)", ratio(rps("py-sync"), rps("st-py-sync")), 10)
    add("Python bulk: brokerlink asyncio ÷ official async (req/s)", ratio(rps("py-async"), rps("st-py-async")), 3)
    add("Python bulk: brokerlink asyncio ÷ official sync (req/s)", ratio(rps("py-async"), rps("st-py-sync")), 10)
    add("Python bulk: brokerlink sync ÷ official async (req/s)", ratio(rps("py-sync"), rps("st-py-async")), 3)
    add("Node bulk: brokerlink ÷ official TypeScript (req/s)", ratio(rps("node"), rps("st-ts")), 3)
    for key in ("rust", "py-sync", "py-async", "node"):
        add(
            f"per-call overhead: {v.labels[key]['label']} latency p50 ÷ floor p50",
            ratio(p50(key), p50("raw")),
            1.3,
            higher=False,
        )
    add(
        "hand-off: floor with each call handed to a runtime thread ÷ floor (latency p50)",
        ratio(p50("raw-handoff"), p50("raw")),
        None,
    )
    for key in ("py-async", "node"):
        add(
            f"per-call overhead: {v.labels[key]['label']} latency p50 ÷ hand-off floor p50",
            ratio(p50(key), p50("raw-handoff")),
            None,
        )
    add("bulk: brokerlink Rust ÷ floor (req/s)", ratio(rps("rust"), rps("raw")), None)
    add(
        "import: `import brokerlink` ÷ `import snaptrade_client`",
        ratio(imp("python: import brokerlink"), imp("python: import snaptrade_client")),
        0.1,
        higher=False,
    )
    add(
        "require: brokerlink ÷ snaptrade-typescript-sdk",
        ratio(imp("node: require('brokerlink')"), imp("node: require('snaptrade-typescript-sdk')")),
        0.1,
        higher=False,
    )
    add(
        "portal links: brokerlink sync ÷ official sync (req/s)",
        ratio(rps("py-sync", "portal"), rps("st-py-sync", "portal")),
        None,
    )
    add(
        "portal links: brokerlink asyncio ÷ official async (req/s)",
        ratio(rps("py-async", "portal"), rps("st-py-async", "portal")),
        None,
    )
    add(
        "portal links: brokerlink Node ÷ official TypeScript (req/s)",
        ratio(rps("node", "portal"), rps("st-ts", "portal")),
        None,
    )
    add(
        "Finatic bulk: brokerlink asyncio ÷ finatic-server-python (req/s)",
        ratio(rps("py-async", "finatic-bulk"), rps("fin-py", "finatic-bulk")),
        None,
    )
    add(
        "Finatic bulk: brokerlink Rust ÷ finatic-server-python (req/s)",
        ratio(rps("rust", "finatic-bulk"), rps("fin-py", "finatic-bulk")),
        None,
    )
    add(
        "Finatic latency: finatic-server-python p50 ÷ brokerlink asyncio p50",
        ratio(p50("fin-py", "finatic-latency"), p50("py-async", "finatic-latency")),
        None,
    )
    # Account data: one full read of the long account (every page, decoded), and positions for
    # every user. A full read's time is its latency; the ratio is official ÷ brokerlink.
    read = lambda k: v.get(k, "activities", "mean_ms")  # noqa: E731
    pairs = (("py-sync", "st-py-sync"), ("py-async", "st-py-async"), ("node", "st-ts"))
    for ours, theirs in pairs:
        add(
            f"activities: {v.labels[theirs]['label']} ÷ {v.labels[ours]['label']} (time of a full read)",
            ratio(read(theirs), read(ours)),
            5,
        )
    add(
        "activities: official Python sync ÷ brokerlink Rust (time of a full read)",
        ratio(read("st-py-sync"), read("rust")),
        None,
    )
    for key in ("st-py-sync", "st-ts", "rust"):
        add(
            f"activities: {v.labels[key]['label']} ÷ floor (time of a full read)",
            ratio(read(key), read("raw")),
            None,
        )
    for ours, theirs in pairs:
        add(
            f"activities peak RSS: {v.labels[ours]['label']} ÷ {v.labels[theirs]['label']}",
            ratio(v.rss_mib(ours, "activities"), v.rss_mib(theirs, "activities")),
            1,
            higher=False,
        )
    for ours, theirs in pairs:
        add(
            f"positions: {v.labels[ours]['label']} ÷ {v.labels[theirs]['label']} (users/s)",
            ratio(rps(ours, "positions"), rps(theirs, "positions")),
            None,
        )
    loadgen = v.report.get("loadgen", {})
    add("sandbox: signed GET /authorizations per second", loadgen.get("requests_per_second"), 20000)
    return rows


def write_markdown(report: dict, labels: dict, path: Path) -> list[str]:
    v, s, m = View(report, labels), report["sizes"], report["machine"]
    before, after = report["busy_before"], report["busy_after"]
    busy = max(before, after) > 0.15
    out = [
        "# brokerlink benchmarks" + (" (smoke run: tiny sizes, not a measurement)" if report["smoke"] else ""),
        "",
        f"`bench/run` on {m['date']}, commit {m['commit']}.",
        "",
        f"- machine: {m['cpu']}; {m['os']}",
        f"- toolchains: {m['rustc']}; {m['python']}; Node {m['node']}",
        f"- packages: {m['packages']}",
        f"- other work on the machine (share of all cores busy over 1 s, sandbox stopped) before "
        f"{before:.0%}, after {after:.0%}: "
        + ("**the machine was busy with other work; these numbers are noisy.**" if busy else "the machine was idle."),
        "",
        "## Targets and ratios",
        "",
        "| ratio | value | target | |",
        "|---|---:|---:|---|",
    ]
    summary = []
    for what, value, target, met in targets(v):
        mark = "—" if met is None else ("met" if met else "**missed**")
        digits = 0 if value is not None and value > 1000 else 2
        out.append(f"| {what} | {fmt(value, digits)}{'' if digits == 0 else '×'} | {target} | {mark} |")
        summary.append(f"{what}: {fmt(value, digits)} (target {target}, {mark.strip('*')})")
    out += [
        "",
        f"## SnapTrade: {s['users']} users, {s['concurrency']} in flight",
        "",
        "| contender | latency p50 ms | p99 ms | vs floor (p50) | bulk s | bulk req/s | bulk p99 ms "
        "| portal s | portal req/s | bulk peak RSS MiB | bulk CPU µs/call: client, sandbox |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, contender in labels.items():
        if "latency" not in contender["modes"]:
            continue
        g = lambda mode, field, k=key: v.get(k, mode, field)  # noqa: E731
        out.append(
            f"| {contender['label']} | {fmt(g('latency', 'p50_ms'), 3)} | {fmt(g('latency', 'p99_ms'), 3)} "
            f"| {fmt(ratio(g('latency', 'p50_ms'), v.get('raw', 'latency', 'p50_ms')))}× "
            f"| {fmt(g('bulk', 'seconds'), 3)} | {fmt(g('bulk', 'rps'), 0)} | {fmt(g('bulk', 'p99_ms'), 2)} "
            f"| {fmt(g('portal', 'seconds'), 3)} | {fmt(g('portal', 'rps'), 0)} | {fmt(v.rss_mib(key, 'bulk'), 0)} "
            f"| {fmt(g('bulk', 'client_cpu_us_per_call'), 0)}, {fmt(g('bulk', 'sandbox_cpu_us_per_call'), 0)} |"
        )
    out += [
        "",
        f"## Finatic: list accounts, {s['users']} saved users, {s['concurrency']} in flight",
        "",
        "| contender | latency p50 ms | p99 ms | bulk s | bulk req/s (users) | bulk p99 ms | bulk peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, contender in labels.items():
        if "finatic-bulk" not in contender["modes"]:
            continue
        g = lambda mode, field, k=key: v.get(k, mode, field)  # noqa: E731
        out.append(
            f"| {contender['label']} | {fmt(g('finatic-latency', 'p50_ms'), 3)} "
            f"| {fmt(g('finatic-latency', 'p99_ms'), 3)} | {fmt(g('finatic-bulk', 'seconds'), 3)} "
            f"| {fmt(g('finatic-bulk', 'rps'), 0)} | {fmt(g('finatic-bulk', 'p99_ms'), 2)} "
            f"| {fmt(v.rss_mib(key, 'finatic-bulk'), 0)} |"
        )
    out += [
        "",
        f"## Account data: every activity of a {s['history']:,}-row account; positions of {s['users']} users",
        "",
        "| contender | full read ms (mean of " + str(s["fetches"]) + ") | rows/s | read peak RSS MiB "
        "| positions s | positions users/s | positions p99 ms | positions peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, contender in labels.items():
        if "activities" not in contender["modes"]:
            continue
        g = lambda mode, field, k=key: v.get(k, mode, field)  # noqa: E731
        mean = g("activities", "mean_ms")
        out.append(
            f"| {contender['label']} | {fmt(mean, 1)} | {fmt(s['history'] / mean * 1000 if mean else None, 0)} "
            f"| {fmt(v.rss_mib(key, 'activities'), 0)} | {fmt(g('positions', 'seconds'), 3)} "
            f"| {fmt(g('positions', 'rps'), 0)} | {fmt(g('positions', 'p99_ms'), 2)} "
            f"| {fmt(v.rss_mib(key, 'positions'), 0)} |"
        )
    out += [
        "",
        f"## Cold start (median of {s['cold']} fresh processes)",
        "",
        "| statement | import ms | whole process ms |",
        "|---|---:|---:|",
    ]
    for name, cold in report.get("cold_start", {}).items():
        out.append(f"| `{name}` | {fmt(cold['import_ms'], 1)} | {fmt(cold['process_ms'], 0)} |")
    lg = report.get("loadgen", {})
    out += ["", "## The sandbox itself", ""]
    if "failed" in lg or not lg:
        out.append(f"load generator failed: {lg.get('failed')}")
    else:
        rss = lg.get("rss_kib") or [0]
        out.append(
            f"{lg['requests']:,} signed `GET /authorizations` in {lg['seconds']:.1f} s from {lg['connections']} "
            f"connections: **{lg['requests_per_second']:,.0f}/s**, p50 {lg['p50_ms']:.2f} ms, "
            f"p99 **{lg['p99_ms']:.2f} ms**, {lg['errors']} errors; the sandbox used "
            f"{lg['sandbox_cpu_share']:.2f} cores (the load generator shares the machine), peak RSS "
            f"{max(rss) / 1024:.0f} MiB."
        )
    failed = [
        f"- {labels[k]['label']} {mode}: {r['failed']}"
        for k, modes in report["runs"].items()
        for mode, r in modes.items()
        if "failed" in r
    ]
    if failed:
        out += ["", "## Failed runs", "", *failed]
    out += [
        "",
        NOTES.format(
            repeats=s["repeats"],
            calls=s["calls"],
            warmup=s["warmup"],
            users=s["users"],
            concurrency=s["concurrency"],
            cold=s["cold"],
            lg_conn=s["loadgen_connections"],
            lg_sec=s["loadgen_seconds"],
            history=f"{s['history']:,}",
            fetches=s["fetches"],
        ),
    ]
    if not report["smoke"]:
        out += ["![bench/results.png](results.png)", ""]
    path.write_text("\n".join(out))
    return summary


def write_chart(report: dict, labels: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    v = View(report, labels)
    colours = {"brokerlink": "#1f77b4", "official": "#ff7f0e", "floor": "#7f7f7f"}
    panels = [
        ("latency p50, ms (lower is better)", "latency", "p50_ms"),
        ("bulk list connections, req/s", "bulk", "rps"),
        ("portal links, req/s", "portal", "rps"),
        ("bulk peak RSS, MiB", "bulk", "peak_rss_kib"),
        ("Finatic bulk accounts, users/s", "finatic-bulk", "rps"),
        (f"activities: full read of {report['sizes']['history']:,} rows, ms (lower: better)", "activities", "mean_ms"),
        ("positions of every user, users/s", "positions", "rps"),
    ]
    fig, axes = plt.subplots(4, 2, figsize=(14, 17))
    for ax, (title, mode, field) in zip(axes.flat, panels):
        rows = [
            (c["label"], v.get(k, mode, field), colours[c["kind"]])
            for k, c in labels.items()
            if mode in c["modes"] and v.get(k, mode, field) is not None
        ]
        if field == "peak_rss_kib":
            rows = [(label, value / 1024, colour) for label, value, colour in rows]
        ax.barh([r[0] for r in rows], [r[1] for r in rows], color=[r[2] for r in rows])
        ax.invert_yaxis()
        ax.set_title(title)
        for i, (_, value, _) in enumerate(rows):
            ax.annotate(f" {value:,.0f}" if value >= 100 else f" {value:.3g}", (value, i), va="center", fontsize=8)
    cold = report.get("cold_start", {})
    ax = axes.flat[len(panels)]
    names = list(cold)
    ax.barh(
        names,
        [cold[n]["import_ms"] for n in names],
        color=[colours["brokerlink" if "brokerlink" in n else "official"] for n in names],
    )
    ax.invert_yaxis()
    ax.set_title(f"import / require, ms (median of {report['sizes']['cold']})")
    m = report["machine"]
    busy = max(report["busy_before"], report["busy_after"]) > 0.15
    fig.suptitle(
        f"brokerlink vs official SDKs vs raw reqwest — {m['date']}, {m['cpu']}"
        + (" (machine busy: noisy)" if busy else ""),
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
