"""Benchmark: the production server (gunicorn) with the emulator, many concurrent users completing
wizards, against a minimal Flask app's ceiling in the same run and server setup.

    .venv/bin/python bench/run.py [--users 16] [--seconds 30] [--workers 2] [--threads 4]

Writes bench/RESULTS.md. Run by hand on an otherwise quiet machine; compare the ratios, not the
absolute numbers (the load generator shares the machine with the server).
"""
from __future__ import annotations

import argparse
import os
import platform as host
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator import DEFAULT_ORG_ID  # noqa: E402
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KINESIS = {"name": "Bench account", "description": "load", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
           "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "eu-west-1"}
STEPS = ("GET /sandbox", "POST /sandbox", "GET /kinesis", "POST /kinesis", "GET /review", "POST /review",
         "GET /done")


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


def wizard(base: str, timings: dict, lock: threading.Lock) -> bool:
    """One user's complete wizard; True when it reached the done page."""
    http = requests.Session()

    def step(name: str, call):
        started = time.perf_counter()
        response = call()
        with lock:
            timings[name].append(time.perf_counter() - started)
        return response

    page = step("GET /sandbox", lambda: http.get(base + "/sandbox", timeout=30))
    token = CSRF.search(page.text).group(1)
    step("POST /sandbox", lambda: http.post(base + "/sandbox", data={"sandbox": "prod", "csrf_token": token},
                                            allow_redirects=False, timeout=30))
    page = step("GET /kinesis", lambda: http.get(base + "/kinesis", timeout=30))
    step("POST /kinesis", lambda: http.post(base + "/kinesis", data={**KINESIS, "action": "next",
                                                                     "csrf_token": token},
                                            allow_redirects=False, timeout=30))
    step("GET /review", lambda: http.get(base + "/review", timeout=30))
    done = step("POST /review", lambda: http.post(base + "/review", data={"action": "create", "csrf_token": token},
                                                  allow_redirects=False, timeout=60))
    final = step("GET /done", lambda: http.get(base + "/done", timeout=30))
    return done.status_code == 302 and "connection-id" in final.text


def drive(users: int, seconds: float, work) -> tuple[int, float]:
    """Run ``work`` in a loop on ``users`` threads for ``seconds``; (completed runs, elapsed)."""
    stop = time.monotonic() + seconds
    counts = [0] * users

    def user(n: int) -> None:
        while time.monotonic() < stop:
            if work():
                counts[n] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

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
           "KINESIS_ENDPOINT_URL": kinesis_url, "SECRET_KEY": "bench-secret-key-0123456789abcdef",
           "SESSION_COOKIE_SECURE": "0", "CREATE_RATE_LIMIT": "1000000 per minute",
           "TEST_RATE_LIMIT": "1000000 per minute"}
    servers += [gunicorn("app:create_app()", app_port, args.workers, args.threads, env),
                gunicorn("bench.ceiling:create_app()", ceiling_port, args.workers, args.threads, {})]
    app_base, ceiling_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{ceiling_port}"
    wait_for(app_base + "/healthz")
    wait_for(ceiling_base + "/")
    wizard(app_base, defaultdict(list), threading.Lock())           # warm-up: token, spec, caches
    requests.delete(emulator_url + "/_emulator/calls", timeout=5)

    ceiling_http = threading.local()

    def plain_page() -> bool:
        if not hasattr(ceiling_http, "session"):
            ceiling_http.session = requests.Session()
        return ceiling_http.session.get(ceiling_base + "/", timeout=30).status_code == 200

    pages, ceiling_elapsed = drive(args.users, args.seconds, plain_page)

    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    done, elapsed = drive(args.users, args.seconds, lambda: wizard(app_base, timings, lock))
    calls = requests.get(emulator_url + "/_emulator/calls", timeout=5).json()["calls"]
    memory = worker_rss_mb(servers[0])
    ceiling_memory = worker_rss_mb(servers[1])

    creates = calls.get("POST /data/foundation/flowservice/connections", 0)
    upstream = (sum(calls.values()) - creates) / max(done, 1)
    wizard_pages = sum(len(v) for v in timings.values()) / elapsed
    ceiling_rate = pages / ceiling_elapsed
    lines = [
        "# Benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {host.machine()}, {os.cpu_count()} cores,"
        f" Python {host.python_version()}; `bench/run.py --users {args.users} --seconds {args.seconds:g}"
        f" --workers {args.workers} --threads {args.threads}`.",
        "gunicorn (gthread) serves the app against the emulator and moto's Kinesis (their own process); the load "
        "generator runs on the same machine, so absolute numbers are lower than the server alone could do: "
        "compare the ratios.",
        "",
        "| step | requests | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {len(timings[name])} | {percentile(timings[name], 50):.1f} | {percentile(timings[name], 99):.1f} |"
          for name in STEPS],
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| completed wizards | {done} in {elapsed:.1f} s |",
        f"| completed wizards per second | {done / elapsed:.2f} |",
        f"| wizard pages per second (all steps) | {wizard_pages:.1f} |",
        f"| ceiling: minimal Flask page per second, same server setup | {ceiling_rate:.1f} |",
        f"| wizard pages / ceiling | {wizard_pages / ceiling_rate:.2f} (target: above 0.50) |",
        f"| upstream calls per completed wizard, besides the create | {upstream:.2f} (target: at most 2) |",
        f"| creates per completed wizard | {creates / max(done, 1):.2f} |",
        f"| memory per app worker (RSS) | {', '.join(f'{m:.0f} MiB' for m in memory)} |",
        f"| memory per ceiling worker (RSS) | {', '.join(f'{m:.0f} MiB' for m in ceiling_memory)} |",
        "",
        "Upstream calls by endpoint during the measured run: "
        + ", ".join(f"`{k}` {v}" for k, v in sorted(calls.items())) + ".",
        "",
    ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
