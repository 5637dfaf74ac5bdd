"""Benchmark: the production server (gunicorn) with the emulator, many concurrent users completing
wizards, and each page measured against the stack floor.

    .venv/bin/python bench/run.py [--users 16] [--seconds 30] [--page-seconds 20] [--rounds 4]
                                  [--workers 2] [--threads 4]

The floor (bench/floor.py) is a page of the same app, served by the same gunicorn processes: the same
extensions and middleware, the session read, a small template with one CSRF form. Each page's
throughput is reported as a ratio to the floor's (target: at least 0.7), measured in rounds that take
the floor and the pages in turn, so that a busy moment of the machine falls on all of them alike. A
bare Flask page on a gunicorn of its own is measured too, for context only.

The simulated users are wrk's (bench/wizard.lua): a load generator written in C, so that the
generator is not what limits the server. Needs wrk (`apt-get install wrk`). Writes bench/RESULTS.md.
Run by hand on an otherwise quiet machine; compare the ratios, not the absolute numbers (the generator
and the emulator share the machine with the server).
"""
from __future__ import annotations

import argparse
import os
import platform as host
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.floor import FLOOR_PATH, LAYOUT_PATH, NO_TEMPLATE  # noqa: E402
from emulator import DEFAULT_ORG_ID  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
SCRIPT = str(ROOT / "bench" / "wizard.lua")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KINESIS = {"name": "Bench account", "description": "load", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
           "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "eu-west-1"}
PAGES = ("/sandbox", "/kinesis", "/review", "/done")
TARGET = 0.7                        # each page's throughput, at least this share of the floor's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def gunicorn(app: str, port: int, workers: int, threads: int, env: dict) -> subprocess.Popen:
    """gunicorn as the README's production command runs it, on this checkout's code."""
    return subprocess.Popen([GUNICORN, "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                            stdout=subprocess.DEVNULL)   # the app's own log lines (the audit's among them)


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MiB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master.pid}$", text, re.M):
            sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024)
    return sizes


def user_at(base: str, page: str) -> str:
    """A new user's session cookie, taken through the wizard as far as ``page`` (which it has seen)."""
    http = requests.Session()
    token = CSRF.search(http.get(base + "/sandbox", timeout=30).text).group(1)
    steps = PAGES.index(page)
    if steps >= 1:
        http.post(base + "/sandbox", data={"sandbox": "prod", "csrf_token": token}, allow_redirects=False, timeout=30)
    if steps >= 2:
        http.post(base + "/kinesis", data={**KINESIS, "action": "next", "csrf_token": token},
                  allow_redirects=False, timeout=30)
    if steps >= 3:
        http.post(base + "/review", data={"action": "create", "csrf_token": token}, allow_redirects=False,
                  timeout=60)
    assert http.get(base + page, timeout=30).status_code == 200, page
    return f"session={http.cookies['session']}"


def wrk(url: str, users: int, seconds: float, script: tuple[str, ...] = ()) -> dict:
    """Run wrk with ``users`` connections, one per thread, driven by bench/wizard.lua and its ``script``
    arguments (none: complete wizards); wrk's figures and the script's."""
    command = ["wrk", "-t", str(users), "-c", str(users), "-d", f"{seconds:g}s", "--latency", "-s", SCRIPT, url,
               *(["--", *script] if script else [])]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "errors": (int(non_ok.group(1)) if non_ok else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
              "steps": [(f"{method} {path}", int(n), float(p50) / 1000, float(p99) / 1000) for method, path, n, p50, p99
                        in re.findall(r"^STEP (\S+) (\S+) (\d+) ([\d.]+) ([\d.]+)$", out, re.M)]}
    if found := re.search(r"^WIZARDS (\d+) (\d+)$", out, re.M):
        result["completed"], result["failed"] = int(found.group(1)), int(found.group(2))
    return result


def percentile(ordered: list[float], pct: float) -> float:
    """The ``pct`` percentile of ``ordered`` (sorted), nearest rank, as wizard.lua counts it."""
    return ordered[max(0, min(len(ordered) - 1, int(pct / 100 * (len(ordered) - 1) + 0.5)))] if ordered else 0.0


def measure_pages(targets: dict[str, tuple[str, str, str]], users: int, seconds: float, rounds: int,
                  folder: Path) -> dict[str, dict]:
    """Each target (name: base URL, path, cookie file or "-") asked again and again by ``users`` users for
    ``seconds`` in all, in ``rounds`` turns that take every target once: throughput is the mean of its
    turns, p50 and p99 are of every request of every turn."""
    turns: dict[str, list[dict]] = {name: [] for name in targets}
    samples: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (base, path, cookies) in targets.items():
            out = folder / "samples"
            turns[name].append(wrk(base, users, seconds / rounds, script=(path, cookies, str(out))))
            samples[name] += [float(line) / 1000 for line in out.read_text().split()]
    results = {}
    for name in targets:
        ordered = sorted(samples[name])
        results[name] = {"rate": statistics.mean(turn["rate"] for turn in turns[name]),
                         "rates": [turn["rate"] for turn in turns[name]],
                         "errors": sum(turn["errors"] for turn in turns[name]),
                         "p50": percentile(ordered, 50), "p99": percentile(ordered, 99)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30, help="complete wizards, in seconds")
    parser.add_argument("--page-seconds", type=float, default=20, help="each page alone, in seconds in all")
    parser.add_argument("--rounds", type=int, default=4, help="turns the page seconds are split into")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/run.py needs wrk, the load generator: apt-get install wrk")

    emulator_port, app_port, ceiling_port = free_port(), free_port(), free_port()
    stack = subprocess.Popen([PYTHON, str(ROOT / "bench" / "platform_stack.py"), str(emulator_port)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    servers: list[subprocess.Popen] = []
    try:
        ready = stack.stdout.readline().split()
        emulator_url, kinesis_url = ready[1], ready[2]
        run(args, servers, emulator_url, kinesis_url, app_port, ceiling_port)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        stack.terminate()
        stack.wait(timeout=30)


def run(args, servers, emulator_url, kinesis_url, app_port, ceiling_port) -> None:
    env = {"AEP_PLATFORM_URL": emulator_url, "AEP_IMS_URL": emulator_url, "AEP_CLIENT_ID": "bench",
           "AEP_CLIENT_SECRET": "bench-client-secret", "AEP_ORG_ID": DEFAULT_ORG_ID,
           "KINESIS_ENDPOINT_URL": kinesis_url, "SECRET_KEY": "iNizjd271JcPl6kXTuEAdpNqBW1EhawLIarV64doNwE",
           "SESSION_COOKIE_SECURE": "0", "CREATE_RATE_LIMIT": "1000000 per minute",
           "TEST_RATE_LIMIT": "1000000 per minute",
           # Nobody signs in: the wizard's own cost, with no identity provider in the loop.
           "AUTH_MODE": "none", "ALLOW_ANONYMOUS": "1"}
    servers += [gunicorn("bench.floor:create_app()", app_port, args.workers, args.threads, env),
                gunicorn("bench.ceiling:create_app()", ceiling_port, args.workers, args.threads, {})]
    app_base, ceiling_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{ceiling_port}"
    wait_for(app_base + "/healthz")
    wait_for(ceiling_base + "/")
    user_at(app_base, "/done")                                       # warm-up: token, spec, caches

    with tempfile.TemporaryDirectory() as name:  # first, while the sandbox holds a few connections
        folder = Path(name)

        def sessions_at(page: str) -> str:
            cookies = folder / page.strip("/")
            cookies.write_text("\n".join(user_at(app_base, page) for _ in range(args.users)) + "\n")
            return str(cookies)
        at = {page: sessions_at(page) for page in PAGES}
        targets = {"floor": (app_base, FLOOR_PATH, sessions_at("/sandbox")),
                   **{page: (app_base, page, at[page]) for page in PAGES},
                   **{f"{page} bare": (app_base, f"{page}?{NO_TEMPLATE}", at[page]) for page in PAGES},
                   "layout": (app_base, LAYOUT_PATH, sessions_at("/kinesis")),
                   "/healthz": (app_base, "/healthz", "-"), "ceiling": (ceiling_base, "/", "-")}
        pages = measure_pages(targets, args.users, args.page_seconds, args.rounds, folder)
    requests.delete(emulator_url + "/_emulator/calls", timeout=5)
    wizards = wrk(app_base, args.users, args.seconds)
    calls = requests.get(emulator_url + "/_emulator/calls", timeout=5).json()["calls"]
    memory, ceiling_memory = worker_rss_mb(servers[0]), worker_rss_mb(servers[1])
    text = report(args, pages, wizards, calls, memory, ceiling_memory)
    (ROOT / "bench" / "RESULTS.md").write_text(text)
    print(text)


def best_case(pages: dict, page: str) -> float:
    """The page's ratio to the floor were its own content free: its cost without its template, plus the
    layout's cost beyond the floor's (costs as the inverse of the rates)."""
    floor = 1 / pages["floor"]["rate"]
    cost = 1 / pages[f"{page} bare"]["rate"] + (1 / pages["layout"]["rate"] - floor)
    return floor / cost


def report(args, pages: dict, wizards: dict, calls: dict, memory: list[float], ceiling_memory: list[float]) -> str:
    """bench/RESULTS.md."""
    done, elapsed, floor = wizards["completed"], args.seconds, pages["floor"]["rate"]
    creates = calls.get("POST /data/foundation/flowservice/connections", 0)
    upstream = (sum(calls.values()) - creates) / max(done, 1)

    def ratio(name: str) -> str:
        return f"{pages[name]['rate'] / floor:.2f}"

    def row(label: str, name: str, verdict: str) -> str:
        r = pages[name]
        return (f"| {label} | {r['rate']:.1f} ({' / '.join(f'{x:.0f}' for x in r['rates'])}) | {r['p50']:.1f} "
                f"| {r['p99']:.1f} | {verdict} |")

    def target(name: str) -> str:
        met = pages[name]["rate"] / floor >= TARGET
        return f"{ratio(name)} ({'met' if met else '**missed**'})"

    command = (f"bench/run.py --users {args.users} --seconds {args.seconds:g} --page-seconds {args.page_seconds:g}"
               f" --rounds {args.rounds} --workers {args.workers} --threads {args.threads}")
    return "\n".join([
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {host.machine()}, {os.cpu_count()} cores,"
        f" Python {host.python_version()}: `.venv/bin/python {command}`.",
        f"gunicorn (gthread, {args.workers} workers × {args.threads} threads) serves the app with the benchmark's "
        "own pages (`bench/floor.py`) against the emulator and moto's Kinesis (a process of their own). The "
        f"{args.users} simulated users are wrk connections driven by `bench/wizard.lua`. Everything shares the "
        "machine's cores: compare the ratios, not the absolute numbers.",
        "",
        "## Each page against the stack floor",
        "",
        f"The floor is a page of the same app in the same gunicorn processes: every extension and middleware "
        f"the pages have, the session read, a small template with one CSRF form (`GET {FLOOR_PATH}`). The "
        f"{args.users} users, each with a session already at the page (at the sandbox step for the floor), ask "
        f"for it again and again, {args.page_seconds:g} s per page in {args.rounds} rounds that take the floor "
        "and every page in turn; per second is the mean of the rounds (each round in brackets), p50 and p99 "
        "are over every request. Measured before the complete wizards, while the sandbox holds a few "
        "connections (the Kinesis page lists them, the review page warns that the key is already connected).",
        "",
        f"| page | per second (rounds) | p50 (ms) | p99 (ms) | / floor (target: at least {TARGET:.2f}) |",
        "| --- | ---: | ---: | ---: | ---: |",
        row(f"floor `GET {FLOOR_PATH}`", "floor", "1.00 (the reference)"),
        *[row(f"`GET {page}`", page, target(page)) for page in PAGES],
        *[row(f"context: `GET {page}` without its template (everything else it does, the context processors "
              f"included; `?{NO_TEMPLATE}`)", f"{page} bare", f"{ratio(page + ' bare')} (no target)")
          for page in PAGES],
        row(f"context: the wizard's layout (`base.html`, the step list, Start over) around the floor's form, "
            f"`GET {LAYOUT_PATH}`", "layout", f"{ratio('layout')} (no target)"),
        row("context: `GET /healthz`, the same middleware, no session, no template", "/healthz",
            f"{ratio('/healthz')} (no target)"),
        row("context: a bare Flask page on a gunicorn of its own, same settings", "ceiling",
            f"{ratio('ceiling')} (no target)"),
        "",
        "## What faster templates could give",
        "",
        "Each page's cost beyond the floor's is two parts: what the page does besides its template (the "
        "\"without its template\" row) and its template. The template's part cannot go below the layout "
        "every page shares (the layout row's cost beyond the floor's), so a page whose own content rendered for "
        "nothing would stand at 1 / (1/bare + 1/layout − 1) of the floor, with bare and layout the two rows' "
        "ratios.",
        "",
        "| page | / floor now | without its template | with its own content free (the layout kept) |",
        "| --- | ---: | ---: | ---: |",
        *[f"| `GET {page}` | {ratio(page)} | {ratio(page + ' bare')} | {best_case(pages, page):.2f} |" for page in PAGES],
        "",
        "## Complete wizards",
        "",
        f"The same {args.users} users, each completing wizards one after another for {args.seconds:g} s "
        "(upstream calls included: the create and Flow Service's test of it answer within these steps).",
        "",
        "| step | requests | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {n} | {p50:.1f} | {p99:.1f} |" for name, n, p50, p99 in wizards["steps"]],
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| completed wizards | {done} in {elapsed:g} s ({wizards['failed']} failed) |",
        f"| completed wizards per second | {done / elapsed:.2f} |",
        f"| wizard requests per second (all steps) | {wizards['rate']:.1f} |",
        f"| upstream calls per completed wizard, besides the create | {upstream:.2f} "
        f"({'met' if upstream <= 2 else '**missed**'}: at most 2) |",
        f"| creates per completed wizard | {creates / max(done, 1):.2f} |",
        f"| memory per app worker (RSS, at the end) | {', '.join(f'{m:.0f} MiB' for m in memory)} |",
        f"| memory per bare Flask worker (RSS, context) | {', '.join(f'{m:.0f} MiB' for m in ceiling_memory)} |",
        "",
        "Upstream calls by endpoint during the complete wizards: "
        + ", ".join(f"`{k}` {v}" for k, v in sorted(calls.items())) + ".",
        "",
        "Errors (non-2xx/3xx answers, socket errors): wizards "
        f"{wizards['errors']}, " + ", ".join(f"{name} {r['errors']}" for name, r in pages.items()) + ".",
        "",
    ])


if __name__ == "__main__":
    main()
