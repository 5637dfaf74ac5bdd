"""Only this machine: the emulator listens on, and sends browsers back to, loopback addresses alone."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost",)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ::1)."""
    host = host.lower().strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_url(url: str) -> bool:
    """True for an absolute ``http(s)`` URL on ``localhost`` or a loopback address, with no user info, no
    fragment, nothing a browser might read differently (backslashes, spaces, control characters)."""
    if not url or "\\" in url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or parts.fragment or "#" in url:
        return False
    return is_loopback_host(parts.hostname or "")
