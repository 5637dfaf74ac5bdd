"""The platform side of the benchmark, in a process of its own: moto's Kinesis (seeded with the demo
streams) and the emulator on the given loopback port. Stops on SIGTERM."""
from __future__ import annotations

import signal
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import EmulatorServer  # noqa: E402
from emulator.demo import start_demo_kinesis  # noqa: E402


def main() -> None:
    port = int(sys.argv[1])
    kinesis = start_demo_kinesis()
    emulator = EmulatorServer(Path(tempfile.mkdtemp(prefix="bench-emulator-")), port=port,
                              kinesis_endpoint_url=kinesis.url).start()
    print(f"READY {emulator.url} {kinesis.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    kinesis.stop()


if __name__ == "__main__":
    main()
