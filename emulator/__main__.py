"""python -m emulator --port N: serve the platform emulator on loopback until interrupted."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from .state import DEFAULT_ORG_ID
from .server import EmulatorServer

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "instance" / "emulator"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--data-dir", default=os.environ.get("EMULATOR_DATA_DIR") or str(DEFAULT_DATA_DIR),
                        help="folder for the SQLite state (default $EMULATOR_DATA_DIR or instance/emulator)")
    parser.add_argument("--org-id", default=os.environ.get("EMULATOR_ORG_ID", DEFAULT_ORG_ID),
                        help="the organization the emulated integration belongs to")
    parser.add_argument("--kinesis-endpoint-url", default=os.environ.get("KINESIS_ENDPOINT_URL") or None,
                        help="the Kinesis that explore and test ask (default $KINESIS_ENDPOINT_URL, else AWS)")
    args = parser.parse_args(argv)
    server = EmulatorServer(Path(args.data_dir), host=args.host, port=args.port, org_id=args.org_id,
                            kinesis_endpoint_url=args.kinesis_endpoint_url, quiet=False)
    print(f"Platform emulator on {server.url}  (org {args.org_id}, state in {args.data_dir})", flush=True)
    print(f"  AEP_PLATFORM_URL={server.url} AEP_IMS_URL={server.url} AEP_ORG_ID={args.org_id}", flush=True)
    server.start()
    try:
        server.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
