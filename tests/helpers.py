"""What the tests share: well-formed (and fake) AWS keys, the emulator's control API, a wizard walker."""
from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Any

import requests

from connector import KinesisCredentials

ROOT = Path(__file__).resolve().parents[1]
# The app outside demo mode with nobody signing in (the tests of sign-in set their own mode).
ANONYMOUS = {"AUTH_MODE": "none", "ALLOW_ANONYMOUS": True}
CLIENT_ID = "kinesis-wizard-tests"
CLIENT_SECRET = "p8e-client-secret-for-tests"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def first_answer(url: str, seconds: float, session: Any = requests) -> requests.Response:
    """The first answer of a server still starting (a process just launched): ``url`` asked again every
    0.1 s while nothing listens; the ConnectionError once ``seconds`` have passed without an answer."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return session.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def credentials(access_key_id: str = ACCESS_KEY_ID, secret_key: str = SECRET_KEY,
                region: str = "eu-west-1") -> KinesisCredentials:
    return KinesisCredentials(access_key_id, secret_key, region)


class EmulatorControl:
    """The emulator's ``/_emulator`` control API, spoken over HTTP as any client would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST" and "json" not in kwargs:
            # The control API takes only JSON POSTs, also when there is no body (see emulator/control.py).
            kwargs["headers"] = {"Content-Type": "application/json", **kwargs.get("headers", {})}
        response = self.http.request(method, f"{self.url}/_emulator{path}", timeout=5, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def fault(self, **spec: Any) -> dict:
        """Add a fault rule (see emulator/faults.py)."""
        return self._call("POST", "/faults", json=spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def faults(self) -> list[dict]:
        return self._call("GET", "/faults")["faults"]

    def expire_tokens(self) -> int:
        return self._call("POST", "/tokens/expire")["expired"]

    def config(self, **values: Any) -> dict:
        return self._call("POST", "/config", json=values)

    def calls(self, key: str | None = None) -> Any:
        calls = self._call("GET", "/calls")["calls"]
        return calls.get(key, 0) if key else calls

    def add_sandboxes(self, sandboxes: list[dict]) -> None:
        self._call("POST", "/sandboxes", json={"sandboxes": sandboxes})

    def add_destination(self, **body: Any) -> str:
        """An Amazon Kinesis destination connection (same connection spec id as the source); its id."""
        return self._call("POST", "/destinations", json=body)["id"]

    def mark_in_use(self, connection_id: str) -> None:
        self._call("POST", f"/connections/{connection_id}/in-use", json={"in_use": True})

    def seed_catalog(self, *sandboxes: str) -> None:
        """The demo XDM schemas and datasets in these sandboxes (see emulator/demo.py)."""
        self._call("POST", "/catalog", json={"sandboxes": list(sandboxes) or ["prod"]})

    def seed_demo(self) -> dict:
        """Demo mode's objects: the catalog, and a Kinesis connection in use by a dataflow; their ids."""
        return self._call("POST", "/demo", json={})["seeded"]

    def users(self) -> list[dict]:
        """The users who can sign in: ``id``, ``email``, ``name``, ``sandboxes``, ``permissions``..."""
        return self._call("GET", "/users")["users"]

    def add_users(self, users: list[dict]) -> list[dict]:
        """Add users (or change those with the same email): ``{"email", "name", "sandboxes": [...] or "*",
        "permissions": ["Manage Sources", "View Sources"]}``."""
        return self._call("POST", "/users", json={"users": users})["users"]

    def expire_user_tokens(self, email: str) -> int:
        """End a user's access tokens, as if they had run out; their refresh tokens still work."""
        return self._call("POST", f"/users/{email}/tokens/expire")["expired"]

    def revoke_user_refresh_tokens(self, email: str) -> int:
        """End a user's refresh tokens, as if the user had withdrawn consent."""
        return self._call("POST", f"/users/{email}/refresh-tokens/revoke")["revoked"]


KINESIS = {"name": "Clickstream account", "description": "Web events", "access_key_id": ACCESS_KEY_ID,
           "secret_key": SECRET_KEY, "region": "eu-west-1"}


class Walker:
    """Walks the wizard as a browser would: GET a step, read its CSRF token, POST the form."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, path: str) -> str:
        page = self.client.get(path)
        match = CSRF.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, token_from: str | None = None):
        fields = dict(data or {})
        fields["csrf_token"] = self.token(token_from or path)
        return self.client.post(path, data=fields)

    def sandbox(self, name: str = "prod"):
        return self.post("/sandbox", {"sandbox": name})

    def kinesis(self, **changes):
        return self.post("/kinesis", {**KINESIS, "action": "next", **changes})

    def create(self):
        return self.post("/review")

    def through_review(self, sandbox: str = "prod", **changes):
        assert self.sandbox(sandbox).location.endswith("/kinesis")
        assert self.kinesis(**changes).location.endswith("/review")

    def done(self, **changes) -> str:
        """Walk the whole wizard; return the new connection's id."""
        self.through_review(**changes)
        assert self.create().location.endswith("/done")
        page = self.client.get("/done").get_data(as_text=True)
        return re.search(r'id="connection-id"[^>]*value="([^"]+)"', page).group(1)
