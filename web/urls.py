"""Where a redirect may lead."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def local_path(target: str) -> str | None:
    """``target`` when it is a path on this site, else None.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so ``next=/%09/evil.example``
    would lead to ``//evil.example``, and a line break cannot go into a Location header at all: a target
    holding any of them, or any other control character or white space, is refused before it is parsed.
    """
    if any(char.isspace() or unicodedata.category(char)[0] == "C" or char == "\\" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
