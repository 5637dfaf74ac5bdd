"""Benchmark: the production server (gunicorn) with the emulator, many concurrent users completing
wizards, against a minimal Flask app's ceiling in the same run and server setup.

    .venv/bin/python bench/run.py [--users 16] [--seconds 30] [--workers 2] [--threads 4]

The simulated users are wrk's (bench/wizard.lua): a load generator written in C, so that the
generator, not the server, is never what limits the ceiling. Needs wrk (`apt-get install wrk`).
Writes bench/RESULTS.md. Run by hand on an otherwise quiet machine; compare the ratios, not the
absolute numbers (the generator and the emulator share the machine with the server).
"""
from __future__ import annotations

import argparse
import os
import platform as host
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator import DEFAULT_ORG_ID  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
SCRIPT = str(ROOT / "bench" / "wizard.lua")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KINESIS = {"name": "Bench account", "description": "load", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
           "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "eu-west-1"}
PAGES = ("/sandbox", "/kinesis", "/review", "/done")


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
    return subprocess.Popen([GUNICORN, "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
                            cwd=ROOT, env={**os.environ, **env})


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


def wrk(url: str, users: int, seconds: float, script: tuple[str, ...] | None = None) -> dict:
    """Run wrk with ``users`` connections, one per thread, plain or with bench/wizard.lua and its
    ``script`` arguments; wrk's figures and the script's."""
    command = ["wrk", "-t", str(users), "-c", str(users), "-d", f"{seconds:g}s", "--latency"]
    if script is not None:
        command += ["-s", SCRIPT, url, *(["--", *script] if script else [])]
    else:
        command += [url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "errors": (int(non_ok.group(1)) if non_ok else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
              "steps": [(f"{method} {path}", int(n), float(p50) / 1000, float(p99) / 1000) for method, path, n, p50, p99
                        in re.findall(r"^STEP (\S+) (\S+) (\d+) ([\d.]+) ([\d.]+)$", out, re.M)]}
    if found := re.search(r"^WIZARDS (\d+) (\d+)$", out, re.M):
        result["completed"], result["failed"] = int(found.group(1)), int(found.group(2))
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)$", out, re.M)
        result[f"p{pct}"] = float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--page-seconds", type=float, default=10)
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
        run(args, stack, servers, emulator_url, kinesis_url, app_port, ceiling_port)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        stack.terminate()
        stack.wait(timeout=30)


def run(args, stack, servers, emulator_url, kinesis_url, app_port, ceiling_port) -> None:
    env = {"AEP_PLATFORM_URL": emulator_url, "AEP_IMS_URL": emulator_url, "AEP_CLIENT_ID": "bench",
           "AEP_CLIENT_SECRET": "bench-client-secret", "AEP_ORG_ID": DEFAULT_ORG_ID,
           "KINESIS_ENDPOINT_URL": kinesis_url, "SECRET_KEY": "iNizjd271JcPl6kXTuEAdpNqBW1EhawLIarV64doNwE",
           "SESSION_COOKIE_SECURE": "0", "CREATE_RATE_LIMIT": "1000000 per minute",
           "TEST_RATE_LIMIT": "1000000 per minute"}
    servers += [gunicorn("app:create_app()", app_port, args.workers, args.threads, env),
                gunicorn("bench.ceiling:create_app()", ceiling_port, args.workers, args.threads, {})]
    app_base, ceiling_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{ceiling_port}"
    wait_for(app_base + "/healthz")
    wait_for(ceiling_base + "/")
    user_at(app_base, "/done")                                       # warm-up: token, spec, caches

    ceiling = wrk(ceiling_base + "/", args.users, args.seconds)
    floor = wrk(app_base + "/healthz", args.users, args.page_seconds)   # the app's layers, no page
    pages = {}              # first, while the sandbox holds a few connections, as a real one does
    with tempfile.TemporaryDirectory() as folder:
        for page in PAGES:  # each page alone, every user's session already there
            cookies = Path(folder, page.strip("/"))
            cookies.write_text("\n".join(user_at(app_base, page) for _ in range(args.users)) + "\n")
            pages[page] = wrk(app_base, args.users, args.page_seconds, script=(page, str(cookies)))
    requests.delete(emulator_url + "/_emulator/calls", timeout=5)
    wizards = wrk(app_base, args.users, args.seconds, script=())
    calls = requests.get(emulator_url + "/_emulator/calls", timeout=5).json()["calls"]
    memory, ceiling_memory = worker_rss_mb(servers[0]), worker_rss_mb(servers[1])

    done, elapsed = wizards["completed"], args.seconds
    creates = calls.get("POST /data/foundation/flowservice/connections", 0)
    upstream = (sum(calls.values()) - creates) / max(done, 1)
    target = 0.5 * ceiling["rate"]

    def verdict(rate: float) -> str:
        return f"{rate / ceiling['rate']:.2f} ({'above' if rate > target else 'below'} 0.50)"

    lines = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {host.machine()}, {os.cpu_count()} cores,"
        f" Python {host.python_version()}; `bench/run.py --users {args.users} --seconds {args.seconds:g}"
        f" --page-seconds {args.page_seconds:g} --workers {args.workers} --threads {args.threads}`.",
        f"gunicorn (gthread, {args.workers} workers × {args.threads} threads) serves the app against the emulator and "
        "moto's Kinesis (a process of their own), and the ceiling, a minimal Flask page, in the same setup. "
        f"The {args.users} simulated users are wrk connections (bench/wizard.lua), each completing wizards one "
        "after another. Everything shares the machine's cores: compare the ratios, not the absolute numbers.",
        "",
        "## Complete wizards",
        "",
        "| step | requests | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {n} | {p50:.1f} | {p99:.1f} |" for name, n, p50, p99 in wizards["steps"]],
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| completed wizards | {done} in {elapsed:g} s ({wizards['failed']} failed) |",
        f"| completed wizards per second | {done / elapsed:.2f} |",
        f"| wizard requests per second (all steps, upstream calls included) | {wizards['rate']:.1f} |",
        f"| ceiling: minimal Flask page per second, same server setup and users | {ceiling['rate']:.1f} |",
        f"| wizard requests / ceiling | {verdict(wizards['rate'])} |",
        f"| upstream calls per completed wizard, besides the create | {upstream:.2f} (target: at most 2) |",
        f"| creates per completed wizard | {creates / max(done, 1):.2f} |",
        f"| memory per app worker (RSS, at the end) | {', '.join(f'{m:.0f} MiB' for m in memory)} |",
        f"| memory per ceiling worker (RSS) | {', '.join(f'{m:.0f} MiB' for m in ceiling_memory)} |",
        "",
        "Upstream calls by endpoint during the complete wizards: "
        + ", ".join(f"`{k}` {v}" for k, v in sorted(calls.items())) + ".",
        "",
        "## Each page alone",
        "",
        f"The same {args.users} users, each with a session already at the page, ask for it again and again "
        f"for {args.page_seconds:g} s: the page's own cost, without the platform's. Measured before the "
        "complete wizards, while the sandbox holds a few connections (the Kinesis page lists them, the "
        "review page warns that the key is already connected).",
        "",
        "| page | per second | p50 (ms) | p99 (ms) | / ceiling (target: above 0.50) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| ceiling `/` | {ceiling['rate']:.1f} | {ceiling['p50']:.1f} | {ceiling['p99']:.1f} | 1.00 |",
        f"| GET /healthz: the app's middleware (security headers, rate limiter, proxy rules), no session, no "
        f"template | {floor['rate']:.1f} | {floor['p50']:.1f} | {floor['p99']:.1f} | {verdict(floor['rate'])} |",
        *[f"| GET {page} | {r['rate']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {verdict(r['rate'])} |"
          for page, r in pages.items()],
        "",
        f"Errors (non-2xx/3xx answers, socket errors): ceiling {ceiling['errors']}, /healthz {floor['errors']}, "
        f"wizards {wizards['errors']}, "
        + ", ".join(f"{page} {r['errors']}" for page, r in pages.items()) + ".",
        "",
    ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
