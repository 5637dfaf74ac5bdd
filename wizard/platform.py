"""The per-request accessors for what talks to Adobe, as flaskr's db.py hands out its database."""
from __future__ import annotations

from flask import current_app

from connector import Platform

from .once import OnceLedger


def get_platform() -> Platform:
    """The app's platform client (one token and one connection pool for every request and thread)."""
    return current_app.extensions["platform"]


def get_ledger() -> OnceLedger:
    """The ledger that makes each create happen once."""
    return current_app.extensions["once_ledger"]
