"""Only this machine: the emulator listens on, and sends browsers back to, loopback addresses alone."""
from __future__ import annotations

import ipaddress

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
