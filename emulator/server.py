"""Run the emulator on a loopback port, in a thread of this process or as its own program."""
from __future__ import annotations

import logging
import re
import socket
import threading
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_emulator_app
from .loopback import is_loopback_host

# Query parameters whose values are secrets: IMS takes its parameters in the query too (Adobe's guide
# allows it), and a request line is what access logs write.
SECRET_PARAMETERS = re.compile(
    r"([?&;](?:code|token|access_token|refresh_token|id_token|client_secret|code_verifier|sign_in_nonce)=)[^&;#\s\"]*",
    re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters replaced by ``[redacted]``."""
    return SECRET_PARAMETERS.sub(r"\1[redacted]", text)


def check_loopback(host: str) -> None:
    """Refuse any address that is not on this machine's loopback."""
    if not is_loopback_host(host):
        raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")


class NoDelayRequestHandler(WSGIRequestHandler):
    """Send each answer at once: without TCP_NODELAY, the body written after the headers waits for the
    client's delayed ACK (40 ms a call), which Adobe's gateway does not make anyone wait."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 - werkzeug's name
        """Every line werkzeug writes (access and errors) with secret query values hidden."""
        super().log(type, "%s", redact(message % args if args else message))


class QuietRequestHandler(NoDelayRequestHandler):
    """Access lines go to the ``emulator.access`` logger at DEBUG, not to the console."""

    def log_request(self, code="-", size="-") -> None:
        logging.getLogger("emulator.access").debug('"%s" %s', redact(self.requestline), code)


class LoopbackServer:
    """A WSGI app served from a background thread on a loopback address; ``port=0`` picks a free port."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, quiet: bool = True, name: str = "server") -> None:
        check_loopback(host)
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True,
                                                   request_handler=QuietRequestHandler if quiet else NoDelayRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server stops."""
        self._thread.join()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class EmulatorServer(LoopbackServer):
    """The platform emulator on a loopback port, asking the Kinesis at ``kinesis_endpoint_url``."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0, org_id: str | None = None,
                 kinesis_endpoint_url: str | None = None, quiet: bool = True) -> None:
        app = create_emulator_app(Path(data_dir), org_id=org_id, kinesis_endpoint_url=kinesis_endpoint_url)
        super().__init__(app, host, port, quiet, name="aep-emulator")

    @property
    def state(self):
        """The emulator's state, for in-process inspection."""
        return self.app.extensions["emulator"]


def kinesis_server(host: str = "127.0.0.1", port: int = 0) -> LoopbackServer:
    """moto's Kinesis (and IAM) as a local AWS endpoint, quiet."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return LoopbackServer(DomainDispatcherApplication(create_backend_app), host, port, name="moto-kinesis")
