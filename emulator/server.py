"""Run the emulator on a loopback port, in a thread of this process or as its own program."""
from __future__ import annotations

import ipaddress
import threading
from pathlib import Path

import logging

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_emulator_app

LOOPBACK_NAMES = {"localhost"}


def check_loopback(host: str) -> None:
    """Refuse any address that is not on this machine's loopback."""
    if host in LOOPBACK_NAMES:
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")


class QuietRequestHandler(WSGIRequestHandler):
    """Access lines go to the ``emulator.access`` logger at DEBUG, not to the console."""

    def log_request(self, code="-", size="-") -> None:
        logging.getLogger("emulator.access").debug('"%s" %s', self.requestline, code)


class EmulatorServer:
    """An emulator served from a background thread; ``port=0`` picks a free port."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0, org_id: str | None = None,
                 quiet: bool = True) -> None:
        check_loopback(host)
        self.app = create_emulator_app(Path(data_dir), org_id=org_id)
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True,
                                                   request_handler=QuietRequestHandler if quiet else None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="aep-emulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def state(self):
        """The emulator's state, for in-process inspection."""
        return self.app.extensions["emulator"]

    def start(self) -> "EmulatorServer":
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops."""
        self._thread.join()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
